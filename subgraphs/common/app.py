"""The HTTP face of a subgraph: Strawberry's ASGI GraphQL app plus `/health`, on Starlette.

Engines are opened at startup and disposed at shutdown (lifespan), one pair per process; a
subgraph's startup hook (`subgraphs.registry.startup_of`) runs right after they open.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.logs import RequestContext as LogContext
from subgraphs.common.context import RequestContext
from subgraphs.common.error_log import log_errors
from subgraphs.common.identity import IdentityHeaders, instance_id, schema_hash
from subgraphs.common.prometheus import SubgraphMetrics, instrument_schema
from subgraphs.db.consistency import HEADER
from subgraphs.db.engines import Database, open_database
from subgraphs.db.replica import ReplicaHealth, ReplicaMonitor
from subgraphs.registry import startup_of
from subgraphs.settings import Settings


class SubgraphGraphQL(GraphQL[RequestContext, None]):
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


def create_app(
    schema: strawberry.federation.Schema, settings: Settings, name: str, tracing: bool = False
) -> Starlette:
    """`tracing`: tracing is configured (subgraphs.common.tracing.configure): instrument the
    schema, the engines and the HTTP server."""
    if tracing:
        from subgraphs.common import tracing as traced

        traced.instrument_schema(schema)
    schema.process_errors = log_errors  # type: ignore[method-assign]  # Strawberry's hook for error logging is this method
    graphql = SubgraphGraphQL(schema, settings)
    sdl_hash = schema_hash(schema.as_str())
    instance = instance_id()
    prometheus = SubgraphMetrics(name)
    instrument_schema(schema)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graphql.db = open_database(settings.primary_url, settings.replica_url)
        if tracing:
            traced.instrument_database(graphql.db)
        app.state.db = graphql.db
        prometheus.watch(graphql.db)
        graphql.db.replica_health = ReplicaHealth(settings.max_replica_lag_ms)
        monitor = ReplicaMonitor(graphql.db, graphql.db.replica_health)
        await monitor.start()
        if name == "metrics":
            from subgraphs.metrics.open import open_store

            try:
                graphql.metrics = app.state.metrics = await open_store(settings, graphql.db)
            except BaseException:
                await monitor.stop()
                await graphql.db.dispose()
                raise
        hook = startup_of(name)
        if hook is not None:
            await hook(graphql.db, settings)
        try:
            yield
        finally:
            if graphql.metrics is not None:
                await graphql.metrics.close()
            await monitor.stop()
            await graphql.db.dispose()

    async def health(request: Request) -> JSONResponse:
        db = graphql.db
        body: dict[str, Any] = {
            "status": "ok", "subgraph": name, "region": settings.region,
            "schema_hash": sdl_hash, "instance": instance,
        }
        if db is not None:
            # Still 200 when degraded: the instance serves (reads from the primary).
            body["reads"] = "replica" if db.replica_usable else "primary"
            if db.has_replica and db.replica_health is not None:
                body["replica"] = db.replica_health.describe()
                if not db.replica_health.ok:
                    body["status"] = "degraded"
        return JSONResponse(body)

    async def metrics(request: Request) -> Response:
        return Response(prometheus.render(), media_type="text/plain; version=0.0.4")

    app = Starlette(
        routes=[
            Route("/health", health), Route("/metrics", metrics, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        middleware=[
            Middleware(LogContext),  # lines logged while serving carry the request id
            Middleware(IdentityHeaders, name=name, sdl_hash=sdl_hash, instance=instance),
        ],
        lifespan=lifespan,
    )
    app.state.prometheus = prometheus  # root resolvers find it here (subgraphs/common/prometheus.py)
    if tracing:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        # Outermost: the server span covers everything the request costs.
        app.add_middleware(OpenTelemetryMiddleware, excluded_urls="health", exclude_spans=["receive", "send"])
    return app
