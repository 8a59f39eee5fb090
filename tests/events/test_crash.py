"""Crash anywhere and no event is lost or applied twice, against real NATS and real PostgreSQL:
the relay killed between publish and mark, NATS killed and restarted, PostgreSQL restarted, and
the analytics consumer killed mid-stream."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from infra.nats import NatsServer
from tests.events.harness import (
    EVENTS_READY,
    RECORD,
    Platform,
    applied_once,
    call,
    event_settings,
    events_process,
    fetchval,
    outbox_rows,
    platform_context,
    read_all,
    read_stream,
    running_analytics,
    running_relay,
    until,
)

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]

_at = itertools.count()


def _points(n: int) -> list[dict[str, object]]:
    out = []
    for _ in range(n):
        i = next(_at)
        out.append({"kind": "BENEFICIARIES", "value": float(i), "at": f"2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}T{i // 336 % 24:02d}:00:00Z"})
    return out


@pytest_asyncio.fixture(scope="module")
async def crash_platform() -> AsyncIterator[Platform]:
    """Its own database: the PostgreSQL restart below must not disturb other modules."""
    async with platform_context() as p:
        yield p


async def _project(client: httpx.AsyncClient, p: Platform, name: str) -> str:
    body = await call(client, p.url("projects"), """mutation($n: String!) { createProject(input: {name: $n,
        sector: WATER, budgetUsd: 5e6, startDate: "2024-01-01", homeRegion: "jnb", nationCode: "ZA"}) { id } }""", {"n": name})
    return str(body["data"]["createProject"]["id"])


async def _ids_for(p: Platform, project_id: str) -> list[str]:
    rows = await outbox_rows(p.database_url, "payload->>'projectId' = $1 OR payload->>'id' = $1 OR payload->'target'->>'id' = $1", project_id)
    return [r["id"] for r in rows]


async def _exactly_once(p: Platform, nats_url: str, ids: list[str]) -> None:
    """Every id reached JetStream once (COVENANT holds the metric and project events, AUDIT the rest)."""
    got = [*await read_all([nats_url], "COVENANT"), *await read_all([nats_url], "AUDIT")]
    wanted = set(ids)
    seen = [m.msg_id for m in got if m.msg_id in wanted]
    assert sorted(seen) == sorted(wanted), f"{len(wanted - set(seen))} lost, {len(seen) - len(set(seen))} stored twice"


async def _all_sent(p: Platform, ids: list[str], within: float = 30.0) -> None:
    async def done() -> bool:
        n = await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE id = ANY($1::uuid[]) AND sent_at IS NULL", ids)
        return int(n) == 0

    await until(done, within, "the relay to mark every row sent")


async def test_relay_killed_between_publish_and_mark(crash_platform: Platform, fresh_nats_server: NatsServer, tmp_path: Path) -> None:
    p, nats_url = crash_platform, fresh_nats_server.url
    logs = tmp_path
    async with httpx.AsyncClient(timeout=30) as client:
        pid = await _project(client, p, "Crash: relay killed")
        body = await call(client, p.url("metrics"), RECORD, {"p": pid, "points": _points(40)})
        assert body["data"]["recordMetrics"]["recorded"] == 40
    ids = await _ids_for(p, pid)
    doomed = events_process("relay-doomed", p.database_url, [nats_url], logs, env={"CHARTER_RELAY_FAULT": "kill-after-publish:1"})
    await doomed.start(None)
    assert await asyncio.wait_for(doomed.wait_exited(), 60) == -signal.SIGKILL
    # Killed after JetStream acked the rows and before they were marked: published, still pending.
    await read_stream([nats_url], "COVENANT", wanted=set(await _covenant_ids(p, pid)), within=5)
    pending = await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE id = ANY($1::uuid[]) AND sent_at IS NULL", ids)
    assert int(pending) == len(ids)
    await doomed.stop()

    relay = events_process("relay-next", p.database_url, [nats_url], logs)
    await relay.start(EVENTS_READY, within=60)
    try:
        await _all_sent(p, ids)
    finally:
        await relay.stop()
    await _exactly_once(p, nats_url, ids)  # the re-publish was dropped as a duplicate
    async with running_analytics(p.database_url, event_settings([nats_url])):
        await applied_once(p.database_url, ids)


async def _covenant_ids(p: Platform, pid: str) -> list[str]:
    return [r["id"] for r in await outbox_rows(p.database_url, "subject LIKE 'covenant.%' AND (payload->>'projectId' = $1 OR payload->>'id' = $1)", pid)]


async def _write_steadily(p: Platform, pid: str, stop: asyncio.Event, every_s: float = 0.02) -> tuple[int, int]:
    """recordMetrics in a loop until `stop`; (succeeded, failed). Failures are expected while a
    server is down; what counts is what committed (the outbox)."""
    ok = failed = 0
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            try:
                body = await call(client, p.url("metrics"), RECORD, {"p": pid, "points": _points(2)})
                if "errors" in body:
                    failed += 1
                else:
                    ok += 1
            except (httpx.HTTPError, AssertionError):
                failed += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
    return ok, failed


async def test_nats_killed_and_restarted(crash_platform: Platform, fresh_nats_server: NatsServer) -> None:
    p, nats = crash_platform, fresh_nats_server
    settings = event_settings([nats.url], poll_s=1.0)
    async with httpx.AsyncClient(timeout=30) as client:
        pid = await _project(client, p, "Crash: NATS restarted")
    async with running_relay(p.database_url, settings), running_analytics(p.database_url, settings):
        stop = asyncio.Event()
        writer = asyncio.create_task(_write_steadily(p, pid, stop))
        await until(lambda: _count_sent(p, pid, at_least=20), 20, "some events to go out first")
        await nats.kill()
        await until(lambda: _count_pending(p, pid, at_least=10), 20, "writes to pile up in the outbox while NATS is down")
        sent_before = int(await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE payload->>'projectId' = $1 AND sent_at IS NOT NULL", pid))
        await nats.start()
        await until(lambda: _count_sent(p, pid, at_least=sent_before + 20), 30, "the relay to resume")
        stop.set()
        ok, _ = await writer
        ids = await _ids_for(p, pid)
        await _all_sent(p, ids)
        await applied_once(p.database_url, ids)
    assert ok >= 20
    await _exactly_once(p, nats.url, ids)


async def _count_sent(p: Platform, pid: str, at_least: int) -> bool:
    n = await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE payload->>'projectId' = $1 AND sent_at IS NOT NULL", pid)
    return int(n) >= at_least


async def _count_pending(p: Platform, pid: str, at_least: int) -> bool:
    n = await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE payload->>'projectId' = $1 AND sent_at IS NULL", pid)
    return int(n) >= at_least


async def test_analytics_consumer_killed_mid_stream(crash_platform: Platform, fresh_nats_server: NatsServer, tmp_path: Path) -> None:
    p, nats_url = crash_platform, fresh_nats_server.url
    logs = tmp_path
    settings = event_settings([nats_url], poll_s=1.0)
    async with httpx.AsyncClient(timeout=30) as client:
        pid = await _project(client, p, "Crash: consumer killed")
        for _ in range(30):
            await call(client, p.url("metrics"), RECORD, {"p": pid, "points": _points(20)})
    ids = await _ids_for(p, pid)
    async with running_relay(p.database_url, settings):
        await _all_sent(p, ids)
    consumer = events_process("analytics-doomed", p.database_url, [nats_url], logs, only="analytics")
    await consumer.start(EVENTS_READY, within=60)

    async def some_applied() -> bool:
        n = await fetchval(p.database_url, "SELECT count(*) FROM consumed_events WHERE consumer = 'analytics' AND event_id = ANY($1::text[])", ids)
        return int(n) > 0

    await until(some_applied, 30, "the consumer to start applying")
    consumer.stop_signal = signal.SIGKILL
    await consumer.stop()
    async with running_analytics(p.database_url, settings):  # the same durable consumers resume
        # What the killed process had fetched but not acked comes back after the ack wait (10 s).
        await applied_once(p.database_url, ids, within=60)


async def test_postgres_restarted(crash_platform: Platform, fresh_nats_server: NatsServer) -> None:
    """Last in this module: the subgraphs' pooled connections die with the server."""
    p, nats_url = crash_platform, fresh_nats_server.url
    settings = event_settings([nats_url], poll_s=1.0)
    async with httpx.AsyncClient(timeout=30) as client:
        pid = await _project(client, p, "Crash: Postgres restarted")
    async with running_relay(p.database_url, settings) as relay, running_analytics(p.database_url, settings):
        stop = asyncio.Event()
        writer = asyncio.create_task(_write_steadily(p, pid, stop))
        await until(lambda: _count_sent(p, pid, at_least=20), 20, "some events to go out first")
        await p.cluster.primary.stop()
        await p.cluster.primary.start()
        sent_before = int(await fetchval(p.database_url, "SELECT count(*) FROM outbox WHERE payload->>'projectId' = $1 AND sent_at IS NOT NULL", pid))
        await until(lambda: _count_sent(p, pid, at_least=sent_before + 20), 30, "writes and the relay to resume")
        stop.set()
        ok, _ = await writer
        ids = await _ids_for(p, pid)
        await _all_sent(p, ids)
        await applied_once(p.database_url, ids)
    # 20 events went out before the restart and 20 after, two per write: 20 writes committed. One
    # (the one in flight when the server stopped) may have committed and still failed to answer
    # (its token is read after the commit), so it counts as failed although its events exist.
    assert ok >= 19, f"only {ok} writes answered"
    assert relay.stats.sessions >= 2  # it lost its connections and made new ones
    await _exactly_once(p, nats_url, ids)
