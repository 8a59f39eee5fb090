"""A whole QueryPlan round-trips through JSON: for every corpus case that plans, the plan read
back equals the plan, and executing it over the real subgraphs sends the same subgraph requests
and answers byte for byte what the plan itself answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from conftest import SubgraphServer
from harness.scenarios import Case, all_cases, supergraph_path

from gateway.errors import RequestError
from gateway.executor.run import RequestContext, Response, execute_plan
from gateway.operation import coerce_variables, select_operation
from gateway.plan.nodes import QueryPlan
from gateway.planner.errors import PlanningError
from gateway.state import SchemaState, build_state
from gateway.transport.http import HttpTransport
from gateway.transport.meta import FetchMeta

_states: dict[str, SchemaState] = {}


def _plans(case: Case, state: SchemaState) -> tuple[QueryPlan, dict] | None:
    """The case's plan and coerced variables; None when the request or its planning fails (the
    corpus tests check those answers; there is no plan to round-trip)."""
    prepared = state.documents.get(case.query)
    if prepared.errors:
        return None
    try:
        operation = select_operation(prepared, case.operation_name)
        variables = coerce_variables(state.api_schema, operation, case.variables)
        plan = state.planner.plan(prepared, case.operation_name, variables)
    except (RequestError, PlanningError):
        return None
    assert plan is not None
    return plan, variables


def _planned() -> list[Case]:
    # Planning does not depend on the subgraphs' URLs: the checked-in supergraphs decide which
    # cases plan (the live ones, with the running server's URLs, execute them).
    states: dict[str, SchemaState] = {}
    out = []
    for case in all_cases():
        state = states.get(case.scenario)
        if state is None:
            state = states[case.scenario] = build_state(supergraph_path(case.scenario).read_text())
        if _plans(case, state) is not None:
            out.append(case)
    return out


CASES = _planned()


def test_most_corpus_cases_plan() -> None:
    assert len(CASES) >= 0.8 * len(all_cases())


def _state(server: SubgraphServer, scenario: str) -> SchemaState:
    state = _states.get(scenario)
    if state is None:
        state = _states[scenario] = build_state(server.supergraph(scenario))
    return state


@pytest.fixture
async def transport() -> AsyncIterator[HttpTransport]:
    t = HttpTransport(timeout=10.0)
    try:
        yield t
    finally:
        await t.close()


def _sent(server: SubgraphServer, scenario: str) -> list[bytes]:
    """The subgraph requests made, in a stable order (parallel fetches arrive in any order)."""
    fields = ("subgraph", "query", "variables", "operationName")
    return sorted(orjson.dumps({k: r[k] for k in fields}, option=orjson.OPT_SORT_KEYS) for r in server.requests(scenario))


async def _run(plan: QueryPlan, state: SchemaState, variables: dict, transport: HttpTransport) -> Response:
    meta = FetchMeta(asyncio.get_running_loop().time() + 10.0)
    request = RequestContext(transport, state.urls, state.placeholders, state.api_schema, variables, {}, meta)
    return await execute_plan(plan, request)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_plan_read_back_from_json_is_the_plan_and_answers_the_same(
    case: Case, subgraph_server: SubgraphServer, transport: HttpTransport
) -> None:
    state = _state(subgraph_server, case.scenario)
    planned = _plans(case, state)
    assert planned is not None
    plan, variables = planned
    text = orjson.dumps(plan.to_json())  # through bytes: nothing but JSON survives
    again = QueryPlan.from_json(orjson.loads(text), state.api_schema)
    assert again == plan
    assert orjson.dumps(again.to_json()) == text
    # Each run from fresh subgraph state (mutations count), recording what the fetches sent.
    subgraph_server.reset()
    first = await _run(plan, state, variables, transport)
    sent_first = _sent(subgraph_server, case.scenario)
    subgraph_server.reset()
    second = await _run(again, state, variables, transport)
    sent_second = _sent(subgraph_server, case.scenario)
    assert orjson.dumps(second.body) == orjson.dumps(first.body)
    assert second.cache_control == first.cache_control
    assert sent_second == sent_first
