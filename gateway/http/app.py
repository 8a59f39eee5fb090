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
from gateway.cache.config import load_config
from gateway.cache.entity import EntityCache
from gateway.cache.invalidation import EventInvalidator
from gateway.cache.nats_consumer import InvalidationConsumer
from gateway.cache.plans import PlanStore
from gateway.cache.redis_store import RedisStore as SharedRedis
from gateway.config import GatewayConfig
from gateway.demand.config import DemandConfig
from gateway.http.endpoints import (
    GraphQLEndpoints,
    asset,
    dashboard_asset,
    dashboard_page,
    health,
    metrics_endpoint,
)
from gateway.http.loop_lag import LoopLagMonitor
from gateway.http.metrics import Metrics
from gateway.http.post import Dispatch, GraphQLPost
from gateway.http.streaming import StreamingPost
from gateway.http.ws import GraphQLWebSocket, WsLimits
from gateway.persisted import MemoryStore, QueryStore, RedisStore, TrustedDocuments
from gateway.pipeline import Gateway
from gateway.reload import compose_from_config, poll_subgraphs, watch_file
from gateway.state import build_state
from gateway.subscriptions.hub import SubscriptionHub
from gateway.supergraph.loader import read_source
from gateway.telemetry import setup as telemetry
from gateway.telemetry.asgi import TracedGraphQL
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
    metrics = Metrics()
    transport.observe(metrics.fetches)
    lag = LoopLagMonitor(metrics.loop_lag)
    # One pool, one deadline and one breaker for every cache that lives in Redis.
    redis = SharedRedis(config.redis_url, timeout=config.redis_timeout, stats=metrics) if config.redis_url else None
    store: QueryStore | None = None
    if config.persisted_queries:
        # Alone, the local store counts APQ hits; in front of Redis, the Redis store counts them.
        local = MemoryStore(
            config.apq_max_entries, config.apq_max_bytes, config.apq_max_document_bytes,
            stats=metrics if redis is None else None,
        )
        store = RedisStore(redis, local=local, stats=metrics) if redis is not None else local
    trusted = TrustedDocuments.load(config.trusted_documents) if config.trusted_documents else None
    entity_cache = None
    if config.entity_cache and redis is not None:
        entity_cache = EntityCache(redis, load_config(config.entity_cache_config), metrics)
    plan_store = PlanStore(redis, stats=metrics) if redis is not None else None
    gateway = Gateway(state, transport, config, store, entity_cache, plan_store, trusted)
    # Tracing is decided here, once (OTEL_EXPORTER_OTLP_*; see gateway/telemetry/setup.py).
    tracer = telemetry.ensure("charter-gateway")
    transport.tracer = gateway.tracer = tracer
    # The hook any event consumer calls; the gateway's own JetStream consumer when asked for.
    invalidator = EventInvalidator(entity_cache) if entity_cache is not None else None
    consumer = None
    if invalidator is not None and config.invalidate_from:
        subjects = tuple(dict.fromkeys(r.subject for r in invalidator.rules)) or ("covenant.>",)
        consumer = InvalidationConsumer(config.invalidate_from, invalidator, subjects)
    graphql = GraphQLEndpoints(gateway, metrics, config.graphiql)
    hub = SubscriptionHub(gateway, {"default": config.nats_url} if config.nats_url else {}, metrics)
    limits = WsLimits(
        init_timeout=config.ws_init_timeout,
        max_subscriptions=config.max_subscriptions_per_connection,
        max_connections_per_client=config.max_connections_per_client,
        max_buffered=config.subscription_buffer,
        require_authorization=config.ws_require_authorization,
    )
    websocket = GraphQLWebSocket(hub, limits, config.forward_headers, metrics)

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
        if consumer is not None:
            consumer.start()
        flusher = None
        if plan_store is not None:
            warmed = await gateway.warm_from_store()
            if warmed:
                log.info("plan cache warm: %d plans from the plan store", warmed)
            flusher = asyncio.create_task(_flush_plan_uses(gateway, PLAN_USE_FLUSH_SECONDS))
        if checker is not None:
            await checker.start()
        lag.start()
        try:
            yield
        finally:
            await lag.stop()
            if flusher is not None:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
                gateway.flush_uses()
                await plan_store.drain()  # type: ignore[union-attr]  # the flusher exists only with a plan store
            if consumer is not None:
                await consumer.close()
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            if checker is not None:
                await checker.stop()
            await hub.close()
            await transport.close()
            if entity_cache is not None:
                await entity_cache.close()
            if redis is not None:
                await redis.close()
            await post.deadline.close()
            if tracer is not None:
                telemetry.flush()

    operator_routes = [
        Route("/health", health(gateway), methods=["GET"]),
        Route("/metrics", metrics_endpoint(gateway, metrics), methods=["GET"]),
    ]
    app_routes = [
        Route("/graphql", graphql.get, methods=["GET"]),
        Route("/dashboard", dashboard_page, methods=["GET"]),
        Route("/dashboard/assets/{name}", dashboard_asset, methods=["GET"]),
    ]
    if config.graphiql:
        app_routes.append(Route("/graphiql/assets/{name}", asset, methods=["GET"]))
    if not config.operator_port:
        app_routes += operator_routes
    app = Starlette(routes=app_routes, lifespan=lifespan)
    app.state.gateway = gateway
    app.state.subscriptions = hub
    app.state.loop_lag = lag
    app.state.websocket = websocket
    app.state.invalidator = invalidator
    app.state.invalidation_consumer = consumer
    # With an operator port, /health and /metrics live only there (the CLI serves this app on it).
    app.state.operator_app = Starlette(routes=operator_routes) if config.operator_port else None
    post = GraphQLPost(gateway, metrics, config.max_body_bytes, config.body_timeout, StreamingPost(hub, metrics))
    graphql_paths = frozenset({"/graphql", "/"})
    served: Any = Dispatch(app, post, graphql_paths, websocket.asgi)
    if tracer is not None:
        served = TracedGraphQL(served, tracer, graphql_paths)
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
    return outer


def auth_config_from_json(raw: dict[str, Any]) -> AuthConfig:
    """`dataclasses.asdict` of an AuthConfig back into one (worker processes get it as JSON)."""
    return AuthConfig(
        **{
            **raw,
            "jwks": tuple(raw.get("jwks", ())),
            "policies": tuple(Policy(p["name"], tuple(tuple(c) for c in p["claims"])) for p in raw.get("policies", ())),
        }
    )


PLAN_USE_FLUSH_SECONDS = 10.0


async def _flush_plan_uses(gateway: Gateway, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        gateway.flush_uses()


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
