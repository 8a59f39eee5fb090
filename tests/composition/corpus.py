"""The corpus of subgraph sets (`corpus/<case>/supergraph.yaml` + SDL files) and the Node oracle."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

from gateway.composition import SubgraphInput, load_config

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
REPO = HERE.parent.parent
APOLLO_COMPOSITION = REPO / "tools" / "node" / "node_modules" / "@apollo" / "composition"


def case_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "supergraph.yaml").exists())


def load_case(name: str) -> list[SubgraphInput]:
    return load_config(CORPUS / name / "supergraph.yaml")


def oracle_available() -> bool:
    return shutil.which("node") is not None and APOLLO_COMPOSITION.exists()


@cache
def oracle_results() -> dict[str, dict]:
    """Apollo's result for every case, from one node process."""
    payload = {
        name: [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in load_case(name)]
        for name in case_names()
    }
    proc = subprocess.run(
        ["node", str(HERE / "oracle.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout)
