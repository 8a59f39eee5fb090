"""The platform behind our gateway with authentication on: writes need their scope, reads stay
public, and bad input keeps its code with no spurious non-null error on the way through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from gateway.auth.config import AuthConfig
from gateway.config import GatewayConfig
from gateway.http.app import create_app
from infra.devkey import ISSUER, ensure_dev_key, mint
from infra.inprocess import ServedApp, serve_in_loop
from infra.stack import InProcessStack
from subgraphs.supergraph import compose_supergraph

pytest_plugins = ["infra.testing"]

CREATE = """mutation($i: CreateProjectInput!) { createProject(input: $i) { id name } }"""
PRIMARY = {"x-charter-consistency": "FFFFFFFF/0"}


@pytest_asyncio.fixture(scope="module")
async def gateway(stack: InProcessStack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("gw-auth")
    jwks = ensure_dev_key(data_dir)
    sdl = compose_supergraph({name: stack.url(name) for name in stack.served})
    config = GatewayConfig(watch=False, auth=AuthConfig(jwks=(str(jwks),), issuer=ISSUER))
    served: ServedApp = serve_in_loop(create_app(config, sdl))
    try:
        yield served.url, data_dir
    finally:
        await served.stop()


async def _post(url: str, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(url, json={"query": query, "variables": variables or {}}, headers=headers)
        return {"status": r.status_code, **r.json()}


def _project(name: str) -> dict[str, Any]:
    return {
        "name": name, "sector": "WATER", "budgetUsd": 1_000_000, "startDate": "2025-01-01",
        "homeRegion": "ams", "nationCode": "NL", "status": "ACTIVE", "progress": 0.1,
    }


async def _exists(url: str, name: str) -> int:
    body = await _post(url, "query($s: String) { projects(filter: {search: $s}, first: 0) { totalCount } }", {"s": name}, **PRIMARY)
    return int(body["data"]["projects"]["totalCount"])


async def test_writes_need_projects_write(gateway: tuple[str, Path]) -> None:
    url, data_dir = gateway
    name = "Gateway Auth Test Canal"
    for headers in ({}, {"authorization": f"Bearer {mint(data_dir, ['metrics:write'])}"}):
        denied = await _post(url, CREATE, {"i": _project(name)}, **headers)
        assert denied["status"] == 200 and denied["data"] is None, denied
        assert [e["extensions"]["code"] for e in denied["errors"]] == ["UNAUTHORIZED_FIELD_OR_TYPE"]
        assert denied["errors"][0]["path"] == ["createProject"]
    assert await _exists(url, name) == 0  # nothing ran
    created = await _post(url, CREATE, {"i": _project(name)}, authorization=f"Bearer {mint(data_dir, ['projects:write'])}")
    assert "errors" not in created, created
    assert created["data"]["createProject"]["name"] == name
    assert await _exists(url, name) == 1
    # reads stay public
    assert "errors" not in await _post(url, '{ nation(code: "NL") { name projects(first: 1) { totalCount } } }')


async def test_bad_datetime_keeps_its_code_without_spurious_errors(gateway: tuple[str, Path]) -> None:
    url, _ = gateway
    for query in (
        '{ project(id: "prj-ams-001") { id metrics(from: "2026-13-45T00:00:00Z") { sum } } }',
        'query($f: DateTime) { project(id: "prj-ams-001") { id metrics(from: $f) { sum } } }',
    ):
        body = await _post(url, query, {"f": "garbage"} if "$f" in query else None)
        errors = body["errors"]
        assert errors and all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in errors), body
        assert not any("Cannot return null" in e["message"] for e in errors), body


async def test_control_characters_refused_through_the_gateway(gateway: tuple[str, Path]) -> None:
    url, data_dir = gateway
    token = mint(data_dir, ["projects:write"])
    body = await _post(url, CREATE, {"i": _project("Bad \x00 Name")}, authorization=f"Bearer {token}")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert not any("Cannot return null" in e["message"] for e in body["errors"])


def _multiplying(levels: int = 5) -> str:
    """Five levels of two `projects` connections under `nations`: each level doubles the fan-out
    (and, at 100 items a page, multiplies the rows by 200)."""
    fragments = []
    for level in range(1, levels + 1):
        inner = f"nation {{ ...L{level + 1} }}" if level < levels else "id"
        conn = f"projects(first: 100) {{ edges {{ node {{ {inner} }} }} }}"
        fragments.append(f"fragment L{level} on Nation {{ a: {conn} b: {conn} }}")
    return "query { nations(first: 100) { edges { node { ...L1 } } } }\n" + "\n".join(fragments)


@pytest_asyncio.fixture(scope="module")
async def budgeted(stack: InProcessStack) -> AsyncIterator[str]:
    from gateway.demand.config import DemandConfig

    sdl = compose_supergraph({name: stack.url(name) for name in stack.served})
    served = serve_in_loop(create_app(GatewayConfig(watch=False, demand=DemandConfig(max_cost=2000)), sdl))
    try:
        yield served.url
    finally:
        await served.stop()


async def test_fragment_multiplying_query_is_refused_in_milliseconds(stack: InProcessStack, budgeted: str) -> None:
    import time

    before = stack.statements()
    started = time.perf_counter()
    body = await _post(budgeted, _multiplying(), accept="application/graphql-response+json")
    elapsed = time.perf_counter() - started
    assert body["status"] == 400 and "data" not in body, body
    (err,) = body["errors"]
    assert err["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert err["extensions"]["cost"]["estimated"] > 10**9 and err["extensions"]["cost"]["max"] == 2000
    # parse, validate, normalise, estimate (~70 ms on a loaded 2-core box): no plan, no fetch; planning
    # and fetching it would take minutes
    assert elapsed < 1.0, elapsed
    assert stack.statements() == before  # no subgraph was asked anything
    # The refusal is cached with the document's plan entry: the second one is a plan cache hit,
    # not another parse, validation and estimate.
    hits, misses = await _plan_cache(budgeted)
    assert (await _post(budgeted, _multiplying()))["errors"][0]["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert await _plan_cache(budgeted) == (hits + 1, misses)


async def _plan_cache(url: str) -> tuple[float, float]:
    """The gateway's plan cache hits and misses, from its /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(url.replace("/graphql", "") + "/metrics")).text
    values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    return values["charter_gateway_plan_cache_hits"], values["charter_gateway_plan_cache_misses"]


async def test_slicing_arguments_from_variables(budgeted: str) -> None:
    q = "query($n: Int) { nations(first: $n) { edges { node { projects(first: $n) { edges { node { id } } } } } } }"
    small = await _post(budgeted, q, {"n": 5})
    # nations 1 + n edges x (edge 1 + node 1 + projects 1 + n edges x (edge 1 + node 1)): 1 + n(3 + 2n)
    assert "errors" not in small, small  # 66
    big = await _post(budgeted, q, {"n": 100})
    assert big["errors"][0]["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert big["errors"][0]["extensions"]["cost"]["estimated"] == 1 + 100 * (3 + 2 * 100)
    assert "errors" not in await _post(budgeted, q, {"n": 3})  # the same cached plan serves it


async def test_measure_mode_reports_estimated_and_actual_cost(stack: InProcessStack) -> None:
    from gateway.demand.config import DemandConfig

    sdl = compose_supergraph({name: stack.url(name) for name in stack.served})
    served = serve_in_loop(create_app(GatewayConfig(watch=False, demand=DemandConfig(mode="measure")), sdl))
    try:
        body = await _post(served.url, _multiplying(2).replace("first: 100", "first: 2"))
        assert "errors" not in body, body
        async with httpx.AsyncClient(timeout=10) as client:
            text = (await client.get(served.url.replace("/graphql", "/metrics"))).text
        values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line.startswith("charter_gateway_cost")}
        assert values["charter_gateway_cost_estimated_count"] == 1
        assert values["charter_gateway_cost_actual_count"] == 1
        assert 0 < values["charter_gateway_cost_actual_sum"] <= values["charter_gateway_cost_estimated_sum"]
        assert values.get("charter_gateway_cost_refused_total", 0) == 0
    finally:
        await served.stop()
