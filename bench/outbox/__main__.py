"""`python -m bench.outbox [--rate 200] [--seconds 20] [--writer lean|mutation]`: the outbox's
end-to-end delay.

Starts an embedded PostgreSQL primary (migrated and seeded) and NATS with JetStream, runs the relay
as its own process (`charter events --only relay`, as `charter up` does), and writes metric points
at a fixed rate, each in one transaction with its outbox rows (the point's event and an audit
record). `--writer mutation` writes through the code `recordMetrics` runs
(`subgraphs.events.mutations.metrics_recorded`: SQLAlchemy, alert rules); the default `lean`
writer inserts the same rows over plain asyncpg, so that the load generator, not the outbox, is
not what limits the rate on a busy machine. With `--to consumer` (default) a JetStream push consumer
on `covenant.metric.>` in this process stamps each event on arrival; with `--to client` a gateway
runs as its own process (`charter gateway --nats-url`) and a graphql-transport-ws client in this
process holds `subscription { metricRecorded { projectId at } }`: the delay then covers the whole
path commit -> relay -> JetStream -> the gateway's consumer -> the client. The delay is arrival minus
the moment the write sent its COMMIT (one clock: the same process; so it includes the commit itself). Writes follow an absolute timetable, so a slow write does not lower
the rate that follows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import nats
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from infra.nats import single_server
from infra.postgres import EmbeddedCluster
from infra.processes import ManagedProcess
from subgraphs.db.engines import open_database
from subgraphs.db.tables import metric_points, projects
from subgraphs.db.urls import plain_url
from subgraphs.events import contract, mutations
from subgraphs.events.alerts import Point
from subgraphs.seed.run import seed


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


CLIENT_QUERY = "subscription { metricRecorded { projectId at } }"


async def _start_gateway(base: Path, nats_url: str) -> tuple[ManagedProcess, int]:
    """A gateway over the platform's supergraph whose HTTP subgraphs are not running: the
    subscription's selection is all in the event, so no fetch is made."""
    from infra.platform import wait_healthy
    from infra.ports import free_port
    from subgraphs.supergraph import compose_supergraph

    dead = {name: f"http://127.0.0.1:{free_port()}/graphql" for name in ("nations", "projects", "metrics")}
    supergraph = base / "supergraph.graphql"
    supergraph.write_text(compose_supergraph(dead))
    port = free_port()
    gw = ManagedProcess(
        "gateway", [sys.executable, "-m", "charter", "gateway", "--supergraph", str(supergraph), "--port", str(port),
                    "--nats-url", nats_url],
        log_path=base / "gateway.log",
    )
    await gw.start(None)
    await wait_healthy(f"http://127.0.0.1:{port}/health", gw, within=60)
    return gw, port


async def _client(port: int, on_event: Callable[[dict[str, str], float], None], ready: asyncio.Event) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")],
                       compression=None) as ws:
        await ws.send('{"type":"connection_init"}')
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CLIENT_QUERY}}))
        ready.set()
        async for raw in ws:
            arrived = time.perf_counter()
            m = json.loads(raw)
            if m.get("type") == "next":
                on_event(m["payload"]["data"]["metricRecorded"], arrived)
            elif m.get("type") == "ping":
                await ws.send('{"type":"pong"}')


async def run(rate: float, seconds: float, writers: int, writer: str, to: str = "consumer") -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="charter-bench-outbox-"))
    pg_dir = Path(tempfile.mkdtemp(prefix="charter-bench-outbox-pg-"))  # owned by the database user
    cluster = EmbeddedCluster(pg_dir, [])
    server = single_server(base)
    relay: ManagedProcess | None = None
    gateway: ManagedProcess | None = None
    client: asyncio.Task[None] | None = None
    db = None
    nc = None
    try:
        await cluster.start()
        await seed(cluster.primary_url())
        await server.start()
        relay = ManagedProcess(
            "relay", [sys.executable, "-m", "charter", "events", "--only", "relay"],
            env={**os.environ, "DATABASE_URL": cluster.primary_url(), "CHARTER_NATS_URL": server.url},
            log_path=base / "relay.log",
        )
        await relay.start(r"charter events: ready", within=60)
        db = open_database(cluster.primary_url(), pool_size=writers)
        async with db.primary.connect() as conn:
            project_ids = list((await conn.execute(select(projects.c.id, projects.c.home_region).limit(50))).all())

        committed: dict[str, float] = {}  # projectId|at -> when COMMIT returned
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        expected = int(rate * seconds)
        all_in = asyncio.Event()

        arrivals: dict[str, float] = {}
        probes: set[str] = set()  # keys of the writes that wait for the gateway's consumer
        probe_seen = asyncio.Event()

        def record(key: str, arrived: float) -> None:
            if key in probes:
                probe_seen.set()
                return
            arrivals.setdefault(key, arrived)
            if len(arrivals) >= expected:
                all_in.set()

        async def on_event(msg: Msg) -> None:
            arrived = time.perf_counter()
            p = json.loads(msg.data)
            record(f"{p['projectId']}|{p['at']}", arrived)

        if to == "client":
            gateway, gw_port = await _start_gateway(base, server.url)

            def on_client_event(e: dict[str, str], arrived: float) -> None:
                record(f"{e['projectId']}|{e['at']}", arrived)

            subscribed = asyncio.Event()
            client = asyncio.create_task(_client(gw_port, on_client_event, subscribed))
            await asyncio.wait_for(subscribed.wait(), 30)
        else:
            await js.subscribe("covenant.metric.>", cb=on_event, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW)
        start_ts = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

        raw_pool = await asyncpg.create_pool(plain_url(cluster.primary_url()), min_size=writers, max_size=writers)

        def key_of(pid: str, at: dt.datetime) -> str:
            return f"{pid}|{contract.iso(at)}"

        async def write_mutation_code(i: int) -> None:
            """What recordMetrics runs: SQLAlchemy, the point, alert rules, events and audit."""
            pid, region = project_ids[i % len(project_ids)]
            at = start_ts + dt.timedelta(seconds=i)
            async with db.primary.connect() as conn:
                trans = await conn.begin()
                stmt = insert(metric_points).values(project_id=pid, kind="beneficiaries", value=float(i), ts=at)
                await conn.execute(stmt.on_conflict_do_update(constraint="uq_metric_point", set_={"value": stmt.excluded.value}))
                await mutations.metrics_recorded(conn, pid, region, [Point("beneficiaries", float(i), at)], region="ams", actor="bench")
                committed[key_of(pid, at)] = time.perf_counter()
                await trans.commit()

        async def write_lean(i: int) -> None:
            """The same rows (the point, its event, an audit record) over plain asyncpg: a load
            generator cheap enough to hold the rate on a busy machine."""
            pid, region = project_ids[i % len(project_ids)]
            at = start_ts + dt.timedelta(seconds=i)
            events = [
                contract.metric_recorded(pid, region, "BENEFICIARIES", float(i), at),
                contract.audit("ams", "metrics_recorded", "bench", "recordMetrics", "Project", pid, {"points": 1}, at),
            ]
            async with raw_pool.acquire() as conn:
                trans = conn.transaction()
                await trans.start()
                await conn.execute(
                    "INSERT INTO metric_points (project_id, kind, value, ts) VALUES ($1, 'beneficiaries', $2, $3)"
                    " ON CONFLICT ON CONSTRAINT uq_metric_point DO UPDATE SET value = EXCLUDED.value", pid, float(i), at)
                await conn.executemany(
                    "INSERT INTO outbox (id, subject, payload) VALUES ($1::uuid, $2, $3::jsonb)",
                    [(e.id, e.subject, json.dumps(e.payload)) for e in events])
                committed[key_of(pid, at)] = time.perf_counter()
                await trans.commit()

        write = write_mutation_code if writer == "mutation" else write_lean

        if to == "client":
            # The gateway opens its JetStream consumer once it holds the subscription, a moment
            # after `subscribe`: probe writes (outside the timetable) until one reaches the client.
            probe = expected
            while not probe_seen.is_set():
                probe += 1
                pid, _ = project_ids[probe % len(project_ids)]
                probes.add(key_of(pid, start_ts + dt.timedelta(seconds=probe)))
                await write_lean(probe)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(probe_seen.wait(), 0.5)
            committed.clear()

        gate = asyncio.Semaphore(writers)
        t0 = time.perf_counter()
        late = 0

        async def scheduled(i: int) -> None:
            nonlocal late
            async with gate:
                await write(i)

        tasks = []
        for i in range(expected):
            due = t0 + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                late += 1
            tasks.append(asyncio.create_task(scheduled(i)))
        await asyncio.gather(*tasks)
        await raw_pool.close()
        wrote_s = time.perf_counter() - t0
        try:
            await asyncio.wait_for(all_in.wait(), 30)
        except TimeoutError:
            raise SystemExit(f"only {len(arrivals)} of {expected} events arrived (relay log: {base / 'relay.log'})") from None
        # Stamped as COMMIT is sent (the resumption after it may come later than the event on a
        # busy loop): the figure includes the commit itself, an upper bound on the true delay.
        ms = [(arrivals[k] - committed[k]) * 1000 for k in committed]
        return {
            "events": len(ms), "late_writes": late, "achieved_rate": expected / wrote_s,
            "p50_ms": statistics.median(ms), "p95_ms": _quantile(ms, 0.95), "p99_ms": _quantile(ms, 0.99),
            "max_ms": max(ms), "mean_ms": statistics.fmean(ms),
        }
    finally:
        if client is not None:
            client.cancel()
        if gateway is not None:
            await gateway.stop()
        if nc is not None:
            await nc.close()
        if db is not None:
            await db.dispose()
        if relay is not None:
            await relay.stop()
        await server.stop()
        await cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(pg_dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox", description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="writes per second (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to write (default 20)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer connections (default 8)")
    parser.add_argument("--writer", choices=("lean", "mutation"), default="lean",
                        help="lean: plain asyncpg inserts (default); mutation: recordMetrics' own code (SQLAlchemy, alert rules)")
    parser.add_argument("--to", choices=("consumer", "client"), default="consumer",
                        help="consumer: a JetStream consumer here (default); client: a subscription through a gateway process")
    parser.add_argument("--target-p99-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.rate, args.seconds, args.writers, args.writer, args.to))
    where = "a JetStream consumer" if args.to == "consumer" else "a client subscribed through the gateway"
    print(f"outbox end-to-end (commit -> {where}) at {args.rate:g} writes/s for {args.seconds:g}s ({args.writer} writer):")
    print(f"  events {result['events']:.0f}, achieved {result['achieved_rate']:.1f} writes/s ({result['late_writes']:.0f} writes started late)")
    print(f"  p50 {result['p50_ms']:.1f} ms  p95 {result['p95_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms  max {result['max_ms']:.1f} ms")
    ok = result["p99_ms"] < args.target_p99_ms
    print(f"  target p99 < {args.target_p99_ms:g} ms: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
