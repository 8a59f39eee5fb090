"""`charter up`: the whole local multi-region stack in one command.

Embedded PostgreSQL (a primary and one streaming replica per region; or DATABASE_URL and
CHARTER_REPLICA_URL_<REGION> when set), migrations and seed data, the three subgraphs per region,
the composed supergraph and the gateway. A process that crashes is started again with backoff
(infra/supervisor.py); `charter status --data-dir DIR` shows them all. Ctrl-C or SIGTERM stops
everything, in reverse order; if `charter up` itself is killed (SIGKILL), the kernel kills its
children (PR_SET_PDEATHSIG, infra/processes.py), so nothing is left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--regions", default="ams,jnb,iad,sfo,syd,sin", help="comma-separated (default: all six)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4000, help="gateway port (default 4000)")
    parser.add_argument("--subgraph-base-port", type=int, default=4100, help="subgraphs listen from here (+10 per region)")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/charter-up"), help="embedded data, logs, supergraphs")
    parser.add_argument("--nats", action="store_true", help="(the default) start an embedded NATS server with JetStream")
    parser.add_argument("--no-nats", action="store_true", help="no NATS, no event relay or consumers")
    parser.add_argument("--nats-cluster", action="store_true", help="a three-node JetStream cluster with R3 streams")
    parser.add_argument(
        "--no-latency", action="store_true",
        help="no injected round-trip time between regions (by default regions.yaml's latency_ms)",
    )
    parser.add_argument(
        "--cassandra", action="store_true",
        help="metrics on Cassandra: CASSANDRA_CONTACT_POINTS, or an embedded three-DC cluster (needs Java 17, Maven)",
    )
    parser.add_argument(
        "--no-cache", action="store_true",
        help="no Redis and no entity cache (default: an embedded Redis, or REDIS_URL, for the gateway's caches)",
    )
    parser.add_argument(
        "--tracing", action="store_true",
        help="run a local Jaeger (built from its Go module once, cached in ~/.cache/charter) and trace into it",
    )
    parser.add_argument(
        "--replica-delay-ms", type=int, default=None,
        help="make embedded replicas apply WAL this late (to see read-your-writes at work)",
    )


def _say(message: str) -> None:
    print(f"charter up: {message}", flush=True)


async def _main(args: argparse.Namespace) -> int:
    from infra.platform import UpOptions, start_platform
    from infra.processes import ProcessFailed
    from regions import load_layout

    known = load_layout().codes
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    unknown = [r for r in regions if r not in known]
    if not regions or unknown:
        _say(f"unknown region(s) {unknown or regions}; choose from {', '.join(known)}")
        return 2
    if args.data_dir.resolve().is_relative_to("/root"):
        _say("--data-dir must not be under /root (the database runs as an unprivileged user)")
        return 2
    opts = UpOptions(
        regions=regions, host=args.host, port=args.port, subgraph_base_port=args.subgraph_base_port,
        data_dir=args.data_dir, with_nats=not args.no_nats, nats_cluster=args.nats_cluster,
        with_cassandra=args.cassandra, replica_delay_ms=args.replica_delay_ms, latency=not args.no_latency,
        with_cache=not args.no_cache,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        if args.tracing:
            from infra.tracing import start_tracing

            try:
                await start_tracing(opts.data_dir, stack, _say)
            except (RuntimeError, OSError) as exc:
                _say(f"failed to start tracing: {exc}")
                return 1
        starting = asyncio.create_task(start_platform(opts, stack, _say))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if starting not in done:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starting
            _say("interrupted while starting; stopping")
            return 130
        stopper.cancel()
        try:
            running = starting.result()
        except (ProcessFailed, OSError, RuntimeError) as exc:
            _say(f"failed to start: {exc}")
            return 1
        _say(f"GraphiQL: {running.graphql_url}  (supergraph {running.supergraph_path}; logs in {opts.data_dir / 'logs'})")
        _say(f"Dashboard: {running.graphql_url.removesuffix('/graphql')}/dashboard  (live, over subscriptions)")
        _say("press Ctrl-C to stop")
        # Stop on Ctrl-C or SIGTERM. A process that dies is restarted by the supervisor; meanwhile
        # the gateway routes around it (failover order in regions/regions.yaml).
        _say(f"supervising {len(running.supervisor.units) if running.supervisor else 0} processes "
             f"(charter status --data-dir {opts.data_dir})")
        await stop.wait()
        _say("stopping")
    _say("stopped")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_main(args))
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()
