"""The planner benchmark's inputs: the generated large graph is deterministic, composes with our
composition, and every generated operation plans into fetches that are valid operations for the
subgraphs they go to. No timing is asserted here (timings live in `python -m bench.planner`)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` is a package of the checkout, not an installed one
    sys.path.insert(0, str(REPO_ROOT))

from bench.planner.compose import compose_ours  # noqa: E402
from bench.planner.generate import DEFAULT_SEED, GeneratedGraph, generate  # noqa: E402
from bench.planner.measure import OurPlanner  # noqa: E402
from bench.planner.operations import generate_operations  # noqa: E402
from bench.planner.validate import PlanValidator, fetches  # noqa: E402
from bench.planner.workloads import Op  # noqa: E402


@pytest.fixture(scope="module")
def graph() -> GeneratedGraph:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def supergraph(graph: GeneratedGraph) -> str:
    result = compose_ours(graph)
    assert result.supergraph is not None, "our composition rejects the generated graph:\n" + "\n".join(result.errors[:10])
    return result.supergraph


@pytest.fixture(scope="module")
def planner(supergraph: str) -> OurPlanner:
    return OurPlanner(supergraph)


def test_the_generator_is_deterministic(graph: GeneratedGraph) -> None:
    again = generate(DEFAULT_SEED)
    assert again.sdls() == graph.sdls()
    assert generate(DEFAULT_SEED + 1).sdls() != graph.sdls()


def test_the_generator_does_not_depend_on_hash_randomisation(graph: GeneratedGraph) -> None:
    """Another interpreter, another string-hash seed: the same SDLs (no set order leaks in)."""
    script = (
        "import hashlib, sys; from bench.planner.generate import generate; "
        "sys.stdout.write(hashlib.sha256(repr(sorted(generate().sdls().items())).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out == hashlib.sha256(repr(sorted(graph.sdls().items())).encode()).hexdigest()


def test_the_graph_has_the_promised_shape(graph: GeneratedGraph) -> None:
    sdls = graph.sdls()
    assert len(sdls) == 100
    joined = "\n".join(sdls.values())
    for feature in ("@requires(", "@provides(", "@interfaceObject", "@shareable", "resolvable: false",
                    "union SearchHit", "interface TimelineEvent", '@key(fields: "warehouseId sku")'):
        assert feature in joined, feature
    # entities are shared: most are extended by several subgraphs
    extended = [e for e in graph.entities if sum(f"type {e} " in s for s in sdls.values()) >= 3]
    assert len(extended) > len(graph.entities) // 2


def test_the_graph_composes_with_about_5000_fields(planner: OurPlanner) -> None:
    from graphql import GraphQLInterfaceType, GraphQLObjectType

    api = planner.state.api_schema
    fields = sum(
        len(t.fields) for n, t in api.type_map.items()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) and not n.startswith("__")
    )
    assert 4500 <= fields <= 6000
    assert len(planner.state.supergraph.graphs) == 100


def test_operations_are_deterministic_and_cover_every_kind(graph: GeneratedGraph, planner: OurPlanner) -> None:
    ops = generate_operations(graph, planner.state.api_schema)
    assert [o.text for o in ops] == [o.text for o in generate_operations(graph, planner.state.api_schema)]
    assert {o.kind for o in ops} == {"chain", "interface", "events", "union", "requires", "provides", "wide", "mixed"}


def test_every_generated_operation_plans_into_valid_fetches(graph: GeneratedGraph, planner: OurPlanner) -> None:
    validator = PlanValidator(graph)
    problems: list[str] = []
    for o in generate_operations(graph, planner.state.api_schema):
        try:
            plan = planner.plan(Op(o.name, o.kind, o.text, o.variables))
        except Exception as e:
            problems.append(f"{o.name}: planning failed: {type(e).__name__}: {e}")
            continue
        assert fetches(plan.node), o.name
        check = validator.check(o.name, plan, None)
        problems += [f"{o.name}: {p}" for p in check.problems[:3]]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_validator_rejects_a_fetch_the_subgraph_cannot_serve(graph: GeneratedGraph) -> None:
    validator = PlanValidator(graph)
    assert validator.operation_problems("catalog", "{ product(id: \"1\") { name } }") == []
    assert validator.operation_problems("catalog", "{ product(id: \"1\") { nope } }")
    assert validator.operation_problems("catalog", "query Q__catalog-seo__1 { __typename }")
