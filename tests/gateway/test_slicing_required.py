"""`@listSize(requireOneSlicingArgument:)`, enforced as Apollo Router's demand control does: a
list field with slicing arguments (and the flag true, its default) must get exactly one of them
with a size (a literal, a default, or a variable's integer value); with none or more than one the
operation is refused with `COST_QUERY_PARSE_FAILURE` before any fetch. Measure mode never refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.composition import SubgraphInput, compose
from gateway.config import GatewayConfig
from gateway.demand.config import DemandConfig
from gateway.http.app import create_app
from infra.inprocess import ServedApp, serve_in_loop

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize"])
type Query {
  books(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
  shelf(first: Int = 5, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
  loose(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
}
type Book { title: String }
"""
BOOKS = [{"title": "a"}]
fetches: list[str] = []


async def library(request: Request) -> JSONResponse:
    query = (await request.json())["query"]
    fetches.append(query)
    return JSONResponse({"data": {name: BOOKS for name in ("books", "shelf", "loose") if name in query}})


@pytest_asyncio.fixture(scope="module")
async def subgraph() -> AsyncIterator[ServedApp]:
    served = serve_in_loop(Starlette(routes=[Route("/graphql", library, methods=["POST"])]))
    yield served
    await served.stop()


async def _gateway(subgraph: ServedApp, demand: DemandConfig) -> ServedApp:
    result = compose([SubgraphInput("library", subgraph.url, SDL)])
    assert result.ok and result.supergraph_sdl, result
    return serve_in_loop(create_app(GatewayConfig(watch=False, demand=demand), result.supergraph_sdl))


@pytest_asyncio.fixture(scope="module")
async def enforcing(subgraph: ServedApp) -> AsyncIterator[str]:
    gw = await _gateway(subgraph, DemandConfig(max_cost=10_000))
    yield gw.url
    await gw.stop()


async def _post(url: str, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(url, json={"query": query, "variables": variables or {}},
                              headers={"accept": "application/graphql-response+json"})
    return r.status_code, r.json()


ACCEPTED = [
    ("{ books(first: 2) { title } }", None),
    ("{ books(last: 2) { title } }", None),
    ("query($n: Int) { books(first: $n) { title } }", {"n": 3}),
    ("query($n: Int = 4) { books(first: $n) { title } }", None),  # the variable's default
    ("{ shelf { title } }", None),  # the argument's default (first: 5) is the one
    ("{ loose { title } }", None),  # requireOneSlicingArgument: false
    ("{ loose(first: 1, last: 1) { title } }", None),
]
REFUSED = [
    ("{ books { title } }", None, 0),
    ("{ books(first: 1, last: 2) { title } }", None, 2),
    ("query($n: Int) { books(first: $n) { title } }", None, 0),  # no value: no size
    ("query($n: Int) { books(first: $n) { title } }", {"n": None}, 0),
    ("query($n: Int) { books(first: 1, last: $n) { title } }", {"n": 1}, 2),
    ("{ shelf(last: 1) { title } }", None, 2),  # the default of `first` counts too
    ("{ shelf(first: null) { title } }", None, 0),  # an explicit null overrides the default
    ("{ a: books(first: 1) { title } b: books { title } }", None, 0),
]


@pytest.mark.parametrize(("query", "variables"), ACCEPTED)
async def test_exactly_one_slicing_argument_runs(enforcing: str, query: str, variables: dict[str, Any] | None) -> None:
    status, body = await _post(enforcing, query, variables)
    assert status == 200 and "errors" not in body, body
    assert next(iter(body["data"].values())) == BOOKS


@pytest.mark.parametrize(("query", "variables", "found"), REFUSED)
async def test_none_or_several_are_refused_before_any_fetch(
    enforcing: str, query: str, variables: dict[str, Any] | None, found: int
) -> None:
    before = len(fetches)
    status, body = await _post(enforcing, query, variables)
    assert status == 400 and "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "COST_QUERY_PARSE_FAILURE", error
    assert error["message"] == (
        f"Exactly one slicing argument is required on Query.{'shelf' if 'shelf' in query else 'books'}"
        f" (one of first, last), but found {found}."
    )
    assert len(fetches) == before  # nothing was asked


async def test_measure_mode_does_not_refuse(subgraph: ServedApp) -> None:
    gw = await _gateway(subgraph, DemandConfig(mode="measure"))
    try:
        status, body = await _post(gw.url, "{ books(first: 1, last: 2) { title } }")
        assert status == 200 and body == {"data": {"books": BOOKS}}, body
    finally:
        await gw.stop()
