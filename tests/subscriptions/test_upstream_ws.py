"""Subscriptions owned by a normal subgraph: the gateway opens graphql-transport-ws to it (the
client's authorization in connection_init), then resolves each event's entity fields from the
other subgraphs, as for a query."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from infra.inprocess import ServedApp, serve_in_loop
from infra.stack import InProcessStack
from tests.subscriptions.support import Nats, hub_of, serve_gateway
from tests.subscriptions.ticker import app as ticker_app
from tests.subscriptions.ticker import schema as ticker_schema


@pytest_asyncio.fixture(scope="module")
async def ticker_gateway(stack: InProcessStack, nats_server: Nats, tmp_path_factory: Any) -> AsyncIterator[ServedApp]:
    from gateway.composition import SubgraphInput, compose
    from subgraphs.registry import COMPOSED, SDL_ONLY, sdl_of

    ticker = serve_in_loop(ticker_app())
    urls = {**{n: u for n, (_, u) in SDL_ONLY.items()}, **{n: stack.url(n) for n in stack.served}, "ticker": ticker.url}
    subgraphs = [SubgraphInput(n, urls[n], sdl_of(n)) for n in COMPOSED]
    subgraphs.append(SubgraphInput("ticker", ticker.url, ticker_schema.as_str()))
    result = compose(subgraphs)
    assert result.supergraph_sdl, result.errors
    path = tmp_path_factory.mktemp("ticker") / "supergraph.graphql"
    path.write_text(result.supergraph_sdl)
    served = serve_gateway(path, nats_server.url)
    try:
        yield served
    finally:
        await served.stop()
        await ticker.stop()


async def _collect(gw: ServedApp, query: str, variables: dict[str, Any], auth: str | None = None) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(url=f"ws://127.0.0.1:{gw.port}/graphql", init_payload={"Authorization": auth} if auth else {})
    request = gql(query)
    request.variable_values = variables
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        return [r async for r in session.subscribe(request)]


async def test_upstream_subscription_with_entity_fetches(ticker_gateway: ServedApp, project_id: str) -> None:
    query = "subscription($id: ID!) { ticks(count: 3, projectId: $id) { n auth project { id name nation { name } } } }"
    results = await asyncio.wait_for(_collect(ticker_gateway, query, {"id": project_id}, "Bearer upstream"), 20)
    assert [r["ticks"]["n"] for r in results] == [0, 1, 2]  # the upstream's complete ends the stream
    for r in results:
        assert r["ticks"]["auth"] == "Bearer upstream"
        assert r["ticks"]["project"]["id"] == project_id and r["ticks"]["project"]["nation"]["name"]
    await asyncio.wait_for(hub_of(ticker_gateway).wait_until(lambda h: not h.streams), 5)  # nothing leaks


async def test_upstream_error_reaches_the_client(ticker_gateway: ServedApp) -> None:
    try:
        results = await asyncio.wait_for(_collect(ticker_gateway, "subscription { failing }", {}), 20)
    except TransportQueryError as e:
        assert "refuses" in str(e)
    else:
        # graphql-transport-ws servers may report a resolver failure as a `next` with errors
        assert results and "refuses" in str(results)
