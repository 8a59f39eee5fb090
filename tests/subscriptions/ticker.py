"""A small real subgraph that owns a subscription field and speaks graphql-transport-ws itself
(Strawberry's ASGI app): `ticks(count:)` emits `count` ticks, each referencing a Project entity the
projects subgraph resolves. `Tick.auth` echoes the connection_init's authorization, so a test can
see what the gateway forwarded upstream."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.types import Info


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)])
class Project:
    id: strawberry.ID


@strawberry.type
class Tick:
    n: int
    auth: str | None
    project: Project


@strawberry.type
class Query:
    @strawberry.field
    def ticker_name(self) -> str:
        return "ticker"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, info: Info, count: int, project_id: strawberry.ID) -> AsyncGenerator[Tick, None]:
        params: Any = info.context.get("connection_params") or {}
        auth = params.get("authorization") or params.get("Authorization") if isinstance(params, dict) else None
        for n in range(count):
            yield Tick(n=n, auth=auth, project=Project(id=project_id))

    @strawberry.subscription
    async def failing(self) -> AsyncGenerator[int, None]:
        raise ValueError("the ticker refuses")
        yield 0  # pragma: no cover - makes this an async generator


schema = strawberry.federation.Schema(query=Query, subscription=Subscription)


def app() -> Starlette:
    graphql = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql), WebSocketRoute("/graphql", graphql)])
