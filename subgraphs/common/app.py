"""The HTTP face of a subgraph: Strawberry's ASGI GraphQL app plus `/health`, on Starlette.

Engines are opened at startup and disposed at shutdown (lifespan), one pair per process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension

from subgraphs.common.context import RequestContext
from subgraphs.db.consistency import HEADER
from subgraphs.db.engines import Database, open_database
from subgraphs.settings import Settings


class ConsistencyExtension(SchemaExtension):
    """Puts a write's consistency token in the response's `extensions.consistencyToken`."""

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        token = getattr(ctx, "consistency_token", None)
        return {"consistencyToken": token} if token else {}


class SubgraphGraphQL(GraphQL):
    def __init__(self, schema: strawberry.federation.Schema, settings: Settings) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self.settings = settings
        self.db: Database | None = None
        self.metrics: Any = None

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        assert self.db is not None, "database not opened (lifespan did not run)"
        return RequestContext(
            db=self.db,
            settings=self.settings,
            request=request,
            response=response,
            raw_token=request.headers.get(HEADER),
            metrics=self.metrics,
        )


def create_app(schema: strawberry.federation.Schema, settings: Settings, name: str) -> Starlette:
    graphql = SubgraphGraphQL(schema, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graphql.db = open_database(settings.primary_url, settings.replica_url)
        app.state.db = graphql.db
        if name == "metrics":
            from subgraphs.metrics.open import open_store

            try:
                graphql.metrics = app.state.metrics = await open_store(settings, graphql.db)
            except BaseException:
                await graphql.db.dispose()
                raise
        try:
            yield
        finally:
            if graphql.metrics is not None:
                await graphql.metrics.close()
            await graphql.db.dispose()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "subgraph": name, "region": settings.region})

    return Starlette(
        routes=[Route("/health", health), Route("/graphql", graphql, methods=["GET", "POST"])],
        lifespan=lifespan,
    )
