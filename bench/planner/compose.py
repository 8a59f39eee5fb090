"""Compose the generated subgraphs: with our Python composition, or with Apollo's (npm) for
comparison and as the fallback while ours cannot."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gateway.composition import SubgraphInput, compose

from .generate import GeneratedGraph

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_MODULES = REPO / "tools" / "node" / "node_modules"


@dataclass(frozen=True)
class Composed:
    supergraph: str | None
    errors: list[str]
    by: str  # "charter" | "apollo"


def node_available(package: str = "@apollo/composition") -> bool:
    return shutil.which("node") is not None and (NODE_MODULES / package).exists()


def compose_ours(graph: GeneratedGraph) -> Composed:
    result = compose([SubgraphInput(s.name, s.url, s.sdl()) for s in graph.subgraphs])
    return Composed(result.supergraph_sdl if result.ok else None, [str(e) for e in result.errors], "charter")


def compose_apollo(graph: GeneratedGraph, timeout: float = 120.0) -> Composed:
    payload = json.dumps([{"name": s.name, "url": s.url, "sdl": s.sdl()} for s in graph.subgraphs])
    proc = subprocess.run(
        ["node", str(HERE / "node" / "compose.mjs")],
        input=payload, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        return Composed(None, [f"node exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"], "apollo")
    out = json.loads(proc.stdout)
    return Composed(out["supergraph"], [f"{e['code']}: {e['message']}" for e in out["errors"]], "apollo")
