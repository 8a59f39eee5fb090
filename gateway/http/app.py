"""The Starlette application: wires the schema state, transport, pipeline and endpoints together.

This is the only module that knows the concrete adapters (aiohttp transport, file watcher).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route

from gateway.auth.config import AuthConfig, Policy
from gateway.config import GatewayConfig
from gateway.demand.config import DemandConfig
from gateway.http.endpoints import GraphQLEndpoints, asset, health, metrics_endpoint
from gateway.http.metrics import Metrics
from gateway.http.post import Dispatch, GraphQLPost
from gateway.persisted import MemoryStore, QueryStore, RedisStore
from gateway.pipeline import Gateway
from gateway.reload import compose_from_config, poll_subgraphs, watch_file
from gateway.state import build_state
from gateway.supergraph.loader import read_source
from gateway.transport.health import HealthChecker
from gateway.transport.http import HttpTransport
from gateway.transport.routing import load_routes

log = logging.getLogger("charter.gateway")


def create_app(config: GatewayConfig, sdl: str | None = None) -> Starlette:
    if sdl is not None:
        text = sdl
    elif config.subgraphs:
        text = compose_from_config(config.subgraphs)
    else:
        text = read_source(config.supergraph)
    state = build_state(text, config.limits, plan_cache_size=config.plan_cache_size)
    routes = (
        load_routes(config.routing, config.failover_cooldown, config.breaker_threshold) if config.routing else None
    )
    transport = HttpTransport(
        timeout=config.subgraph_timeout, dedupe=config.subgraph_dedupe, routes=routes,
        max_response_bytes=config.max_subgraph_response_bytes,
        connect_timeout=config.connect_timeout, first_byte_timeout=config.first_byte_timeout,
    )
    checker = (
        HealthChecker(routes, config.health_interval, config.health_timeout)
        if routes and config.health_interval > 0 else None
    )
    store: QueryStore | None = None
    if config.persisted_queries:
        store = RedisStore(config.redis_url) if config.redis_url else MemoryStore()
    gateway = Gateway(state, transport, config, store)
    metrics = Metrics()
    graphql = GraphQLEndpoints(gateway, metrics, config.graphiql)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher = None
        def counted(result: str) -> None:
            metrics.reloads.labels(result).inc()

        if config.subgraphs and config.watch:
            watcher = asyncio.create_task(poll_subgraphs(gateway, config, config.poll_interval, counted))
        elif config.watch and config.supergraph and not config.supergraph.startswith(("http://", "https://")):
            watcher = asyncio.create_task(watch_file(gateway, config, counted))
        if gateway.auth is not None:
            await gateway.auth.start()  # JWKS URLs are fetched before the first request
        log.info("serving schema %s with %d subgraphs", state.id, len(state.urls))
        if checker is not None:
            await checker.start()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            if checker is not None:
                await checker.stop()
            await transport.close()
            await post.deadline.close()
            if isinstance(store, RedisStore):
                await store.close()

    operator_routes = [
        Route("/health", health(gateway), methods=["GET"]),
        Route("/metrics", metrics_endpoint(gateway, metrics), methods=["GET"]),
    ]
    routes = [Route("/graphql", graphql.get, methods=["GET"])]
    if config.graphiql:
        routes.append(Route("/graphiql/assets/{name}", asset, methods=["GET"]))
    if not config.operator_port:
        routes += operator_routes
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.gateway = gateway
    # With an operator port, /health and /metrics live only there (the CLI serves this app on it).
    app.state.operator_app = Starlette(routes=operator_routes) if config.operator_port else None
    post = GraphQLPost(gateway, metrics, config.max_body_bytes, config.body_timeout)
    served = Dispatch(app, post, frozenset({"/graphql", "/"}))
    outer: Any = served
    if config.cors_origins:
        # Plain ASGI, so it wraps the fast POST path too; only installed when asked for.
        outer = CORSMiddleware(
            served,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            max_age=600,
        )
    outer.operator_app = app.state.operator_app
    return outer  # type: ignore[no-any-return]


def auth_config_from_json(raw: dict[str, Any]) -> AuthConfig:
    """`dataclasses.asdict` of an AuthConfig back into one (worker processes get it as JSON)."""
    return AuthConfig(
        **{
            **raw,
            "jwks": tuple(raw.get("jwks", ())),
            "policies": tuple(Policy(p["name"], tuple(tuple(c) for c in p["claims"])) for p in raw.get("policies", ())),
        }
    )


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` worker processes: the CLI passes its settings as JSON."""
    import orjson

    from gateway import logs
    from gateway.operation import Limits

    raw = orjson.loads(os.environ["CHARTER_GATEWAY_CONFIG"])
    logs.configure(raw.pop("log_level", "info"))
    raw["limits"] = Limits(**raw.get("limits", {}))
    raw["forward_headers"] = tuple(raw.get("forward_headers", ()))
    raw["override_labels"] = tuple(raw.get("override_labels", ()))
    raw["cors_origins"] = tuple(raw.get("cors_origins", ()))
    raw["auth"] = auth_config_from_json(raw.get("auth", {}))
    raw["demand"] = DemandConfig(**raw.get("demand", {}))
    return create_app(GatewayConfig(**raw))
