"""`charter gateway` / `python -m gateway`: serve a supergraph."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from gateway.auth.config import AuthConfig, parse_policy
from gateway.config import DEFAULT_FORWARDED_HEADERS, GatewayConfig
from gateway.demand.config import MODES, DemandConfig


def _env_timeout() -> float:
    raw = os.environ.get("CHARTER_SUBGRAPH_TIMEOUT_MS")
    try:
        return float(raw) / 1000 if raw else 30.0
    except ValueError:
        return 30.0


def register(parser: argparse.ArgumentParser) -> None:
    from gateway.telemetry.cli import register_tracing

    register_tracing(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--supergraph", help="supergraph SDL file or http(s) URL (a file is watched and reloaded)")
    source.add_argument(
        "--subgraphs", help="Rover supergraph.yaml: compose at start, then poll the subgraphs and recompose"
    )
    parser.add_argument("--poll-interval", type=float, default=10.0, help="seconds between polls with --subgraphs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    parser.add_argument("--no-dedup", action="store_true", help="turn off deduplication of identical in-flight queries")
    parser.add_argument(
        "--no-subgraph-dedup", action="store_true", help="turn off deduplication of identical in-flight subgraph fetches"
    )
    parser.add_argument(
        "--subgraph-timeout", type=float, default=_env_timeout(),
        help="seconds per subgraph request (default 30, or CHARTER_SUBGRAPH_TIMEOUT_MS)",
    )
    parser.add_argument(
        "--forward-header", action="append", default=None,
        help=f"client header forwarded to subgraphs (repeatable; default: {', '.join(DEFAULT_FORWARDED_HEADERS)})",
    )
    parser.add_argument("--override-label", action="append", default=[], help="progressive @override label to enable")
    parser.add_argument(
        "--redis", default=os.environ.get("CHARTER_REDIS_URL") or os.environ.get("REDIS_URL", ""),
        help="Redis URL for the caches (persisted queries, plans, entities) shared across instances "
        "(default: in-process; env CHARTER_REDIS_URL or REDIS_URL)",
    )
    parser.add_argument(
        "--entity-cache", action="store_true",
        help="cache subgraph entities and hinted root fields in Redis (needs --redis)",
    )
    parser.add_argument(
        "--entity-cache-config", default="", help="YAML: TTLs per type, dependents, event rules",
    )
    parser.add_argument(
        "--redis-timeout-ms", type=float, default=100.0,
        help="a Redis call slower than this is a cache miss (default 100)",
    )
    parser.add_argument(
        "--invalidate-from", default="",
        help="nats:// URL: a JetStream consumer evicts the entries each event makes stale",
    )
    parser.add_argument("--apq-max-entries", type=int, default=10_000, help="in-process APQ entries kept")
    parser.add_argument("--apq-max-bytes", type=int, default=32 * 1024 * 1024, help="their total size in bytes")
    parser.add_argument(
        "--apq-max-document-bytes", type=int, default=64 * 1024, help="larger documents run but are never stored",
    )
    parser.add_argument(
        "--trusted-documents", default="",
        help="manifest (Apollo persisted-query-manifest.json, or {id: document}): only its operations run",
    )
    parser.add_argument(
        "--routing", default="",
        help="YAML `subgraphs: {name: [url, failover url, ...]}`: local instances first, then the failover order",
    )
    parser.add_argument(
        "--failover-cooldown", type=float, default=5.0,
        help="seconds an endpoint's open circuit stays open before one trial request (default 5)",
    )
    parser.add_argument("--breaker-threshold", type=int, default=1, help="consecutive failures that open a circuit")
    parser.add_argument(
        "--connect-timeout", type=float, default=0.5, help="seconds to connect to a routed endpoint (default 0.5)"
    )
    parser.add_argument(
        "--first-byte-timeout", type=float, default=1.0,
        help="seconds a query waits for a routed endpoint to start answering before the next region (default 1)",
    )
    parser.add_argument(
        "--health-interval", type=float, default=1.0,
        help="seconds between active health checks of routed endpoints (default 1; 0 turns them off)",
    )
    parser.add_argument("--health-timeout", type=float, default=1.0, help="seconds a health probe may take")
    parser.add_argument(
        "--cors-origin", action="append", default=[],
        help="browser origin allowed to call the gateway (repeatable; '*' for any); no CORS headers by default",
    )
    parser.add_argument(
        "--nats-url", default=os.environ.get("CHARTER_NATS_URL", ""),
        help="NATS server for event-driven subscription fields (@natsSubscribe; env CHARTER_NATS_URL)",
    )
    parser.add_argument("--ws-init-timeout", type=float, default=10.0, help="seconds a WebSocket client has to send connection_init")
    parser.add_argument("--max-subscriptions-per-connection", type=int, default=100)
    parser.add_argument("--subscription-buffer", type=int, default=256, help="messages queued per client before it is closed as too slow")
    parser.add_argument("--max-connections-per-client", type=int, default=1000, help="WebSocket connections per client address")
    parser.add_argument(
        "--ws-require-authorization", action="store_true",
        help="close WebSocket connections whose connection_init carries no Authorization (4403)",
    )
    parser.add_argument("--no-watch", action="store_true", help="do not reload the supergraph file when it changes")
    parser.add_argument("--body-timeout", type=float, default=10.0, help="seconds a client has to send its request body")
    parser.add_argument(
        "--max-subgraph-response-bytes", type=int, default=64 * 1024 * 1024,
        help="largest subgraph response read, after decompression (64 MiB)",
    )
    hardening = parser.add_argument_group("hardening")
    hardening.add_argument(
        "--production", action="store_true",
        help="no introspection, no explorer, subgraph error messages redacted, CSRF prevention on",
    )
    hardening.add_argument("--no-introspection", action="store_true", help="refuse __schema/__type queries")
    hardening.add_argument("--introspection", action="store_true", help="allow introspection even with --production")
    hardening.add_argument("--no-explorer", action="store_true", help="do not serve GraphiQL on GET /graphql")
    hardening.add_argument(
        "--csrf-prevention", action="store_true",
        help="GET needs a non-simple content-type or an x-apollo-operation-name / apollo-require-preflight header",
    )
    hardening.add_argument(
        "--redact-subgraph-errors", action="store_true",
        help="replace subgraph error messages (codes and paths kept); stack traces and addresses are always removed",
    )
    hardening.add_argument("--operator-host", default="127.0.0.1", help="address of the operator listener")
    hardening.add_argument(
        "--operator-port", type=int, default=0,
        help="serve /health and /metrics on this port only (not on the GraphQL port); single worker",
    )
    demand = parser.add_argument_group("demand control (@cost / @listSize; off unless --max-cost or measure mode)")
    demand.add_argument("--max-cost", type=int, default=0, help="refuse operations estimated above this cost (0: no limit)")
    demand.add_argument(
        "--cost-mode", choices=MODES, default="enforce",
        help="enforce: refuse over --max-cost; measure: only report estimated and actual cost in /metrics",
    )
    demand.add_argument("--cost-list-size", type=int, default=10, help="size assumed for lists without @listSize (10)")
    auth = parser.add_argument_group("authentication (JWT; off unless --jwks is given)")
    auth.add_argument(
        "--jwks", action="append", default=[],
        help="JWKS file or http(s) URL of trusted keys (repeatable; HS256 'oct', RS256 'RSA', ES256 'EC' keys)",
    )
    auth.add_argument("--jwt-issuer", default="", help="required `iss` claim")
    auth.add_argument("--jwt-audience", default="", help="required `aud` claim")
    auth.add_argument("--jwt-leeway", type=float, default=30.0, help="seconds of clock skew allowed (default 30)")
    auth.add_argument("--jwks-refresh", type=float, default=300.0, help="seconds between JWKS re-reads (default 300)")
    auth.add_argument(
        "--claims-header", default="x-charter-claims",
        help="header carrying the verified claims (JSON) to subgraphs; '' for none (default x-charter-claims)",
    )
    auth.add_argument(
        "--auth-policy", action="append", default=[], type=_policy,
        help="@policy evaluation: NAME=claim:value[,claim:value...] (all must hold; value '*' = present)",
    )
    parser.add_argument("--log-level", default="info")


def _policy(text: str) -> object:
    try:
        return parse_policy(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def auth_from_args(args: argparse.Namespace) -> AuthConfig:
    return AuthConfig(
        jwks=tuple(args.jwks),
        issuer=args.jwt_issuer,
        audience=args.jwt_audience,
        leeway=args.jwt_leeway,
        refresh=args.jwks_refresh,
        claims_header=args.claims_header,
        policies=tuple(args.auth_policy),
    )


def config_from_args(args: argparse.Namespace) -> GatewayConfig:
    return GatewayConfig(
        supergraph=args.supergraph or "",
        subgraphs=args.subgraphs or "",
        poll_interval=args.poll_interval,
        host=args.host,
        port=args.port,
        dedupe=not args.no_dedup,
        subgraph_dedupe=not args.no_subgraph_dedup,
        subgraph_timeout=args.subgraph_timeout,
        forward_headers=tuple(h.lower() for h in args.forward_header) if args.forward_header else DEFAULT_FORWARDED_HEADERS,
        override_labels=tuple(args.override_label),
        watch=not args.no_watch,
        redis_url=args.redis,
        entity_cache=args.entity_cache,
        entity_cache_config=args.entity_cache_config,
        redis_timeout=args.redis_timeout_ms / 1000,
        invalidate_from=args.invalidate_from,
        apq_max_entries=args.apq_max_entries,
        apq_max_bytes=args.apq_max_bytes,
        apq_max_document_bytes=args.apq_max_document_bytes,
        trusted_documents=args.trusted_documents,
        routing=args.routing,
        cors_origins=tuple(args.cors_origin),
        failover_cooldown=args.failover_cooldown,
        auth=auth_from_args(args),
        body_timeout=args.body_timeout,
        introspection=args.introspection or not (args.production or args.no_introspection),
        graphiql=not (args.production or args.no_explorer),
        csrf_prevention=args.production or args.csrf_prevention,
        redact_subgraph_errors=args.production or args.redact_subgraph_errors,
        operator_host=args.operator_host,
        operator_port=args.operator_port,
        max_subgraph_response_bytes=args.max_subgraph_response_bytes,
        demand=DemandConfig(max_cost=args.max_cost, mode=args.cost_mode, list_size=args.cost_list_size),
        breaker_threshold=args.breaker_threshold,
        connect_timeout=args.connect_timeout,
        first_byte_timeout=args.first_byte_timeout,
        health_interval=args.health_interval,
        health_timeout=args.health_timeout,
        nats_url=args.nats_url,
        ws_init_timeout=args.ws_init_timeout,
        subscription_buffer=args.subscription_buffer,
        max_subscriptions_per_connection=args.max_subscriptions_per_connection,
        max_connections_per_client=args.max_connections_per_client,
        ws_require_authorization=args.ws_require_authorization,
    )


def run(args: argparse.Namespace) -> int:
    import orjson
    import uvicorn

    from gateway import logs
    from gateway.http.app import create_app
    from gateway.supergraph.join import SupergraphError
    from gateway.telemetry.cli import apply_tracing_args

    logs.configure(args.log_level)
    try:
        apply_tracing_args(args, os.environ)  # as OTEL_* variables: worker processes read them too
    except ValueError as e:
        print(f"charter gateway: {e}", file=sys.stderr)
        return 2
    config = config_from_args(args)
    if config.entity_cache and not config.redis_url:
        print("charter gateway: --entity-cache needs --redis URL (or CHARTER_REDIS_URL)", file=sys.stderr)
        return 2
    if config.operator_port and args.workers > 1:
        print("charter gateway: --operator-port needs a single worker (--workers 1)", file=sys.stderr)
        return 2
    common = {
        "host": config.host,
        "port": config.port,
        "loop": "uvloop",
        "http": "httptools",
        "log_level": "warning",
        "log_config": logs.UVICORN_LOG_CONFIG,
        "access_log": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": 5,
        # Subscription payloads are small and many: per-connection zlib state (hundreds of KB
        # each) and its CPU cost per message outweigh the bandwidth saved on loopback/LAN.
        "ws_per_message_deflate": False,
    }
    try:
        if args.workers > 1:
            import tempfile

            os.environ["CHARTER_GATEWAY_CONFIG"] = orjson.dumps(
                {**dataclasses.asdict(config), "log_level": args.log_level}
            ).decode()
            create_app(config)  # fail fast, in the parent, on a supergraph that does not load
            # Workers share their metrics through files, so any worker's /metrics reports them all.
            with tempfile.TemporaryDirectory(prefix="charter-metrics-") as metrics_dir:
                os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
                uvicorn.run("gateway.http.app:app_from_env", factory=True, workers=args.workers, **common)  # type: ignore[arg-type]  # `common`: uvicorn's options, loosely typed
        elif config.operator_port:
            _serve_with_operator(create_app(config), config, common)
        else:
            uvicorn.run(create_app(config), **common)  # type: ignore[arg-type]  # as above
    except (SupergraphError, ValueError) as e:  # ValueError: a manifest or cache config that does not load
        print(f"charter gateway: {e}", file=sys.stderr)
        return 2
    return 0


def _serve_with_operator(app: object, config: GatewayConfig, common: dict[str, object]) -> None:
    """The GraphQL listener and the operator listener (/health, /metrics) in one process."""
    import asyncio

    import uvicorn
    import uvloop

    operator_app = app.operator_app  # type: ignore[attr-defined]  # create_app sets it on the wrapper it returns
    main = uvicorn.Server(uvicorn.Config(app, **common))  # type: ignore[arg-type]  # `common`: uvicorn's options, loosely typed
    side = uvicorn.Server(
        uvicorn.Config(operator_app, **{**common, "host": config.operator_host, "port": config.operator_port, "lifespan": "off"})  # type: ignore[arg-type]  # as above
    )

    async def both() -> None:
        async def watch() -> None:
            await main.serve()
            side.should_exit = True  # the operator listener stops with the gateway

        await asyncio.gather(watch(), side.serve())

    uvloop.run(both())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    register(parser)
    return run(parser.parse_args(argv))
