"""Run the two planners apart from this process: our probe (peak RSS, load + plan) and Apollo's
query planner in Node (load, first plans, repeated plans, plan-cache hits, peak RSS)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .compose import HERE, REPO
from .workloads import Workload


def _ops_json(w: Workload) -> list[dict[str, Any]]:
    return [{"name": o.name, "text": o.text, "variables": o.variables} for o in w.operations]


def our_probe(w: Workload, timeout: float = 300.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="planner-probe-") as tmp:
        sdl, ops = Path(tmp) / "supergraph.graphql", Path(tmp) / "ops.json"
        sdl.write_text(w.supergraph)
        ops.write_text(json.dumps(_ops_json(w)))
        proc = subprocess.run(
            [sys.executable, "-m", "bench.planner.probe", str(sdl), str(ops)],
            cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"probe failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def apollo(w: Workload, mode: str, iterations: int = 10, warmup: int = 2, lookups: int = 2000,
           repeats: int = 7, timeout: float = 900.0) -> dict[str, Any]:
    """`mode` "probe": one plan per operation after loading; "time": also repeated plans."""
    payload = {
        "supergraph": w.supergraph, "operations": _ops_json(w), "mode": mode,
        "iterations": iterations, "warmup": warmup, "lookups": lookups, "repeats": repeats,
    }
    proc = subprocess.run(
        ["node", str(HERE / "node" / "plan.mjs")],
        input=json.dumps(payload), capture_output=True, text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"Apollo planner failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
