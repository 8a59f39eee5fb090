"""Query plans as data: snapshots of the plan for every corpus case, JSON round trips, and the
shape of plans for the federation features (no network: the planner is pure)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from gateway.operation import coerce_variables, select_operation
from gateway.plan.nodes import Fetch, Flatten, QueryPlan
from gateway.plan.printing import format_plan
from gateway.plan.serialize import from_json, plan_to_json, to_json
from gateway.planner.errors import PlanningError
from gateway.state import build_state

SCENARIOS = Path(__file__).resolve().parents[1] / "federation" / "scenarios"
SNAPSHOTS = Path(__file__).resolve().parent / "plans"
UPDATE = os.environ.get("CHARTER_UPDATE_SNAPSHOTS") == "1"


def _cases() -> list[tuple[str, Path]]:
    out = []
    for scenario in sorted(p for p in SCENARIOS.iterdir() if (p / "supergraph.graphql").is_file()):
        for q in sorted((scenario / "queries").glob("*.graphql")):
            out.append((scenario.name, q))
    return out


CASES = _cases()
_states: dict[str, object] = {}


def plan_case(scenario: str, query_file: Path) -> QueryPlan | str:
    state = _states.get(scenario)
    if state is None:
        state = build_state((SCENARIOS / scenario / "supergraph.graphql").read_text())
        _states[scenario] = state
    variables_file = query_file.with_suffix(".variables.json")
    op_file = query_file.with_suffix(".operation.txt")
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else None
    op_name = op_file.read_text().strip() if op_file.exists() else None
    prepared = state.documents.get(query_file.read_text())  # type: ignore[attr-defined]
    if prepared.errors:
        return "request error: " + "; ".join(e.message for e in prepared.errors)
    try:
        operation = select_operation(prepared, op_name)
        coerced = coerce_variables(state.api_schema, operation, variables)  # type: ignore[attr-defined]
    except Exception as e:
        return f"request error: {e}"
    try:
        return state.planner.plan(prepared, op_name, coerced)  # type: ignore[attr-defined,no-any-return]
    except PlanningError as e:  # recorded in the snapshot, so a planning failure fails its own case
        return f"planning error: {e}"


@pytest.mark.parametrize(("scenario", "query_file"), CASES, ids=[f"{s}/{q.stem}" for s, q in CASES])
def test_plan_snapshot(scenario: str, query_file: Path) -> None:
    plan = plan_case(scenario, query_file)
    text = plan if isinstance(plan, str) else format_plan(plan)
    snapshot = SNAPSHOTS / f"{scenario}__{query_file.stem}.txt"
    if UPDATE or not snapshot.exists():
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text + "\n")
        if not UPDATE:
            pytest.fail(f"new snapshot written: {snapshot.name}; review and commit it")
    assert text + "\n" == snapshot.read_text(), f"plan changed for {scenario}/{query_file.stem}"


# Cases that plan fetches (not request errors, not gateway-only fields like introspection).
PLANNED = [(s, q) for s, q in CASES if not isinstance(p := plan_case(s, q), str) and p.node is not None]


@pytest.mark.parametrize(("scenario", "query_file"), PLANNED, ids=[f"{s}/{q.stem}" for s, q in PLANNED])
def test_plan_json_round_trip(scenario: str, query_file: Path) -> None:
    plan = plan_case(scenario, query_file)
    assert not isinstance(plan, str)
    data = json.loads(json.dumps(plan_to_json(plan)))
    assert from_json(data["node"]) == plan.node
    assert to_json(from_json(data["node"])) == data["node"]


def _fetches(plan: QueryPlan) -> list[tuple[tuple[str, ...], Fetch]]:
    out: list[tuple[tuple[str, ...], Fetch]] = []

    def walk(node: object) -> None:
        if isinstance(node, Fetch):
            out.append(((), node))
        elif isinstance(node, Flatten):
            out.append((node.path, node.node))
        else:
            for child in getattr(node, "nodes", ()):
                walk(child)

    walk(plan.node)
    return out


BENCH = SCENARIO


def test_benchmark_query_plan_shape() -> None:
    state = build_state((BENCH / "supergraph.graphql").read_text())
    prepared = state.documents.get((BENCH / "query.graphql").read_text())
    plan = state.planner.plan(prepared, None, {})
    assert plan is not None
    fetches = _fetches(plan)
    roots = sorted(f.service for p, f in fetches if not p)
    assert roots == ["accounts", "products"]  # users and topProducts, in parallel
    # @provides(fields: "username") on Review.author: username never comes from accounts
    for path, f in fetches:
        if f.service == "accounts" and path:
            assert "username" not in f.operation
    # @requires(fields: "price weight"): inventory's representations carry both
    inventory = [f for _, f in fetches if f.service == "inventory"]
    assert inventory and all(
        {"price", "weight"} <= {s.name for r in (f.requires or ()) for s in r.selections} for f in inventory
    )
    # one fetch per (subgraph, path): no level is fetched twice
    assert len({(p, f.service) for p, f in fetches}) == len(fetches)
    assert len(fetches) == 13


# Cases that plan at all (introspection-only plans included: their operation is what executes).
PLANS = [(s, q) for s, q in CASES if not isinstance(plan_case(s, q), str)]


@pytest.mark.parametrize(("scenario", "query_file"), PLANS, ids=[f"{s}/{q.stem}" for s, q in PLANS])
def test_whole_query_plan_json_round_trip(scenario: str, query_file: Path) -> None:
    plan = plan_case(scenario, query_file)
    assert isinstance(plan, QueryPlan) and plan.operation is not None
    schema = _states[scenario].api_schema  # type: ignore[attr-defined]
    data = json.loads(json.dumps(plan.to_json()))
    again = QueryPlan.from_json(data, schema)
    assert again == plan
    assert again.to_json() == data
    # what `charter plan --json` prints is the same tree
    assert {k: data[k] for k in ("kind", "node")} == plan_to_json(plan)


def test_query_plans_differing_in_the_operation_are_not_equal() -> None:
    scenario, query_file = PLANNED[0]
    plan = plan_case(scenario, query_file)
    assert isinstance(plan, QueryPlan)
    schema = _states[scenario].api_schema  # type: ignore[attr-defined]
    data = json.loads(json.dumps(plan.to_json()))
    data["operation"]["fieldLists"][data["operation"]["fields"]][0]["key"] = "renamed"
    assert QueryPlan.from_json(data, schema) != plan
    data = json.loads(json.dumps(plan.to_json()))
    data["localFields"] = ["__schema"]
    assert QueryPlan.from_json(data, schema) != plan
