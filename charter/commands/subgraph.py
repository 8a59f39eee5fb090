"""`charter subgraph NAME --region R --port N`: serve one platform subgraph for one region.

Reads go to the region's replica (CHARTER_REPLICA_URL_<REGION> or --replica-url), writes to the
primary (DATABASE_URL or --database-url). `--print-sdl` prints the subgraph's SDL and exits.
"""

from __future__ import annotations

import argparse
import sys

from subgraphs.registry import SUBGRAPHS


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=SUBGRAPHS)
    parser.add_argument("--region", default="ams", help="platform region (regions/regions.yaml)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4001)
    parser.add_argument("--database-url", help="the primary (default: $DATABASE_URL)")
    parser.add_argument("--replica-url", help="this region's read replica (default: from env)")
    parser.add_argument("--print-sdl", action="store_true", help="print the SDL and exit")
    parser.add_argument(
        "--metrics-store", choices=("postgres", "cassandra"), default=None,
        help="where the metrics subgraph keeps time series (default: $CHARTER_METRICS_STORE or postgres)",
    )


def run(args: argparse.Namespace) -> int:
    from regions import load_layout
    from subgraphs.registry import schema_of, sdl_of

    if args.print_sdl:
        sys.stdout.write(sdl_of(args.name) + "\n")
        return 0
    if args.region not in load_layout().codes:
        print(f"unknown region {args.region!r}; one of {', '.join(load_layout().codes)}", file=sys.stderr)
        return 2

    import uvicorn

    from gateway import logs
    from subgraphs.common import tracing
    from subgraphs.common.app import create_app
    from subgraphs.settings import from_env

    settings = from_env(args.region, args.database_url, args.replica_url, args.metrics_store)
    logs.configure("info", uvicorn_level="info")  # readiness is read from "Uvicorn running on"
    traced = tracing.configure(args.name, args.region) is not None
    app = create_app(schema_of(args.name), settings, args.name, tracing=traced)
    try:
        uvicorn.run(
            app, host=args.host, port=args.port, log_level="info", access_log=False, lifespan="on",
            log_config=logs.UVICORN_LOG_CONFIG,
        )
    finally:
        if traced:
            from gateway.telemetry import setup

            setup.shutdown()  # the last spans go out before the process ends
    return 0
