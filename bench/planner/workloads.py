"""The two planning workloads: the federation benchmark query, and the generated large graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from gateway.state import build_state

from .compose import Composed, compose_apollo, compose_ours, node_available
from .generate import DEFAULT_SEED, GeneratedGraph, generate
from .operations import generate_operations


@dataclass(frozen=True)
class Op:
    name: str
    kind: str
    text: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class Workload:
    name: str
    supergraph: str
    operations: list[Op]
    notes: list[str] = field(default_factory=list)  # how it was made, what failed on the way
    graph: GeneratedGraph | None = None  # the generated graph, for the large workload


def benchmark_query(directory: Path = SCENARIO) -> Workload:
    """The query of The Guild's federation benchmark on its four-subgraph supergraph."""
    sdl = (directory / "supergraph.graphql").read_text()
    query = (directory / "query.graphql").read_text()
    return Workload("benchmark query", sdl, [Op("TestQuery", "benchmark", query)])


def large_graph(seed: int = DEFAULT_SEED, composer: str = "charter") -> Workload:
    """The generated 100-subgraph graph, composed by ours (falling back to Apollo's when ours
    fails, saying so), with the operations generated over its API schema."""
    graph = generate(seed)
    notes: list[str] = []
    composed: Composed = compose_ours(graph) if composer == "charter" else compose_apollo(graph)
    if composed.supergraph is None and composer == "charter" and node_available():
        notes.append(f"our composition failed ({len(composed.errors)} errors, first: {composed.errors[0]}); "
                     "composed with @apollo/composition instead")
        composed = compose_apollo(graph)
    if composed.supergraph is None:
        raise RuntimeError(f"cannot compose the generated graph ({composed.by}): {composed.errors[:3]}")
    notes.insert(0, f"composed by {composed.by}")
    api = build_state(composed.supergraph).api_schema
    ops = [Op(o.name, o.kind, o.text, o.variables) for o in generate_operations(graph, api)]
    return Workload("generated large graph", composed.supergraph, ops, notes, graph)
