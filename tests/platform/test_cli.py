"""The platform's commands reject bad arguments with a message and a non-zero status."""

from __future__ import annotations

import re
import subprocess
import sys


def charter(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "charter", *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_subgraph_prints_its_sdl() -> None:
    result = charter("subgraph", "projects", "--print-sdl")
    assert result.returncode == 0
    # the type also carries its cache hint (`@cacheControl`, composed into the supergraph)
    assert re.search(r'^type Project (@cacheControl\([^)]*\) )?@key\(fields: "id"\)', result.stdout, re.M)


def test_subgraph_rejects_unknown_region_and_name() -> None:
    result = charter("subgraph", "nations", "--region", "mars", "--port", "1")
    assert result.returncode == 2 and "unknown region 'mars'" in result.stderr
    result = charter("subgraph", "weather")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_subgraph_without_database_says_so() -> None:
    result = charter("subgraph", "nations", "--region", "ams", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_up_rejects_unknown_regions() -> None:
    result = charter("up", "--regions", "ams,mars")
    assert result.returncode == 2 and "mars" in result.stdout
