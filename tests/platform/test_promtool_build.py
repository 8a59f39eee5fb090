"""`make setup` starts promtool's build in the background and the rule tests wait for it: checked
with a stand-in `go` (a script that takes a moment and installs an executable where `go install`
would), in a private cache directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import promtool

ROOT = Path(__file__).resolve().parents[2]
FAKE_GO = """#!/bin/sh
# go install -tags remove_all_sd MODULE@VERSION: after a moment, an executable in $GOBIN
sleep 1
printf '#!/bin/sh\\necho promtool stand-in\\n' > "$GOBIN/promtool"
chmod +x "$GOBIN/promtool"
"""


def test_background_build_is_started_once_and_awaited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "go").write_text(FAKE_GO)
    (bin_dir / "go").chmod(0o755)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("PROMTOOL", None)
    for key in ("XDG_CACHE_HOME", "PATH"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("PROMTOOL", raising=False)

    def background() -> str:
        out = subprocess.run([sys.executable, "-m", "infra.promtool", "--background"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=30, check=True)
        return out.stdout

    assert "in the background" in background()
    assert promtool.cached() is None and promtool.building() is not None
    assert "is being built" in background()  # a second `make setup` does not start another
    path = promtool.wait_for_build(within=60)
    assert path is not None and path == promtool.cache_dir() / "promtool"
    assert subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout.strip() == "promtool stand-in"
    assert f"promtool {promtool.VERSION} in" in background()  # built: nothing more to do
