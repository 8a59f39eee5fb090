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


PROJECT_CONFIG = REPO / "schema" / "supergraph.yaml"
SCENARIOS = REPO / "tests" / "federation" / "scenarios"
AUDIT_SUITES = REPO / "tests" / "audit" / "suites"


def case_names() -> list[str]:
    """Our own corpus (with pinned Apollo results)."""
    return sorted(p.name for p in CORPUS.iterdir() if (p / "supergraph.yaml").exists())


def shared_case_names() -> list[str]:
    """Subgraph sets other parts of the project own (its schema, the gateway's scenarios, the
    federation audit's suites): compared with the live oracle only, since they change under us."""
    names = ["project-schema"] if PROJECT_CONFIG.exists() else []
    for prefix, folder in (("scenario", SCENARIOS), ("audit", AUDIT_SUITES)):
        if folder.exists():
            names += sorted(
                f"{prefix}-{p.name}"
                for p in folder.iterdir()
                if any((p / "subgraphs").glob("*.graphql"))
            )
    return names


def load_case(name: str) -> list[SubgraphInput]:
    if name == "project-schema":
        return load_config(PROJECT_CONFIG)
    if name.startswith(("scenario-", "audit-")):
        prefix, _, suite = name.partition("-")
        folder = (SCENARIOS if prefix == "scenario" else AUDIT_SUITES) / suite / "subgraphs"
        return [
            SubgraphInput(f.stem, f"http://{f.stem}.example:4000/graphql", f.read_text())
            for f in sorted(folder.glob("*.graphql"))
        ]
    return load_config(CORPUS / name / "supergraph.yaml")


def oracle_available() -> bool:
    return shutil.which("node") is not None and APOLLO_COMPOSITION.exists()


@cache
def oracle_results() -> dict[str, dict]:
    """Apollo's result for every case, from one node process."""
    payload = {
        name: [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in load_case(name)]
        for name in case_names() + shared_case_names()
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
