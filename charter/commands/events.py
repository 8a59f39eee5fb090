"""`charter events`: publish the outbox to NATS JetStream and run the event consumers.

DATABASE_URL (or --database-url) is the primary holding the outbox; CHARTER_NATS_URL (or
--nats-url, comma-separated for a cluster) the NATS servers. Stream settings come from the
CHARTER_STREAM_* variables (see subgraphs/events/config.py). `charter up` runs one of these.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the primary (default: $DATABASE_URL)")
    parser.add_argument("--nats-url", help="NATS server(s), comma-separated (default: $CHARTER_NATS_URL)")
    parser.add_argument("--only", default="relay,analytics,cache", help="parts to run: relay, analytics, cache (comma-separated)")
    parser.add_argument("--replicas", type=int, default=None, help="stream replicas (default: $CHARTER_STREAM_REPLICAS or 1)")
    parser.add_argument(
        "--cache-hook", action="append", default=[],
        help="package.module:function called with each ChangeEvent (repeatable; also $CHARTER_CACHE_HOOKS)",
    )


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from subgraphs.events.cache import load_hook
    from subgraphs.events.config import from_env, streams_from_env
    from subgraphs.events.service import PARTS, run_events

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not database_url:
        print("DATABASE_URL is not set (or pass --database-url)", file=sys.stderr)
        return 2
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        print(f"--only: unknown part(s) {unknown or parts}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    settings = from_env(nats_url=args.nats_url)
    if args.replicas is not None:
        settings = replace(settings, streams=streams_from_env(os.environ, replicas=args.replicas))
    specs = [*args.cache_hook, *filter(None, os.environ.get("CHARTER_CACHE_HOOKS", "").split(","))]
    hooks = [load_hook(s.strip()) for s in specs]

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_events(
            database_url, settings, stop, parts=parts, hooks=hooks,
            on_ready=lambda: print(f"charter events: ready ({', '.join(parts)})", flush=True),
        )

    from gateway.telemetry import setup

    traced = setup.configure("charter-events") is not None  # OTEL_EXPORTER_OTLP_* (see setup.py)
    try:
        asyncio.run(main())
    finally:
        if traced:
            setup.shutdown()
    return 0
