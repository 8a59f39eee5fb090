"""A small real subgraph for the /metrics tests, whose fields answer as a healthy or a broken
backend would: `ok` answers, `boom` raises (a GraphQL error beside data), `slow` answers after
the gateway's subgraph timeout. Served over real HTTP in the test's event loop."""

from __future__ import annotations

import asyncio

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

SLOW_SECONDS = 1.5


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> int:
        return 1

    @strawberry.field
    def boom(self) -> int | None:
        raise ValueError("the probe fails on purpose")

    @strawberry.field
    async def slow(self) -> int | None:
        await asyncio.sleep(SLOW_SECONDS)
        return 2


schema = strawberry.federation.Schema(query=Query)


def app() -> Starlette:
    return Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None))])


# A subgraph nobody serves (its URL is a closed port): every fetch fails, its circuit opens.
DOWN_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable"])
type Query { down: Int! }
"""
