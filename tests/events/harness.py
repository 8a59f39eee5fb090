"""Fixtures for the event tests: a seeded embedded PostgreSQL primary, the projects and metrics
subgraphs over real HTTP, a real NATS server, and helpers to read what reached JetStream.

Load with `pytest_plugins = ["tests.events.harness", "infra.testing_nats"]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import nats
import nats.js.errors
import pytest_asyncio
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from infra.inprocess import ServedApp, serve_in_loop
from infra.postgres import EmbeddedCluster
from subgraphs.events.config import EventSettings, StreamSettings
from subgraphs.events.contract import STREAM_SUBJECTS

Gql = Callable[..., Awaitable[dict[str, Any]]]


@dataclass
class Platform:
    cluster: EmbeddedCluster
    served: dict[str, ServedApp]

    @property
    def database_url(self) -> str:
        return self.cluster.primary_url()

    def url(self, subgraph: str) -> str:
        return self.served[subgraph].url


def event_settings(nats_urls: Iterable[str], *, replicas: int = 1, poll_s: float = 60.0, **kw: Any) -> EventSettings:
    """Test settings: a long safety poll, so a prompt delivery proves LISTEN/NOTIFY woke the relay."""
    streams = tuple(StreamSettings(n, (s,), replicas=replicas, duplicate_window_s=120, max_age_s=3600)
                    for n, s in STREAM_SUBJECTS.items())
    return replace(EventSettings(), nats_urls=tuple(nats_urls), streams=streams, relay_poll_s=poll_s, **kw)


async def start_platform(base: Path, subgraphs: Iterable[str] = ("projects", "metrics")) -> Platform:
    from subgraphs.common.app import create_app
    from subgraphs.registry import schema_of
    from subgraphs.seed.run import seed
    from subgraphs.settings import Settings

    cluster = EmbeddedCluster(base, [])
    try:
        await cluster.start()
        await seed(cluster.primary_url())
    except BaseException:
        await cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
        raise
    settings = Settings(region="ams", primary_url=cluster.primary_url(), replica_url=None)
    served = {name: serve_in_loop(create_app(schema_of(name), settings, name)) for name in subgraphs}
    return Platform(cluster, served)


async def stop_platform(p: Platform) -> None:
    for s in p.served.values():
        await s.stop()
    await p.cluster.stop()
    shutil.rmtree(p.cluster.base_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def platform_context() -> AsyncIterator[Platform]:
    p = await start_platform(Path(tempfile.mkdtemp(prefix="charter-events-")))
    try:
        yield p
    finally:
        await stop_platform(p)


@pytest_asyncio.fixture(scope="session")
async def platform() -> AsyncIterator[Platform]:
    async with platform_context() as p:
        yield p


async def call(client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.post(url, json={"query": query, "variables": variables or {}}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest_asyncio.fixture(scope="session")
async def gql(platform: Platform) -> AsyncIterator[Gql]:
    async with httpx.AsyncClient(timeout=30) as client:
        async def run(subgraph: str, query: str, variables: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
            return await call(client, platform.url(subgraph), query, variables, headers)

        yield run


RECORD = """mutation($p: ID!, $points: [MetricPointInput!]!) {
  recordMetrics(input: {projectId: $p, points: $points}) { recorded } }"""
CREATE = """mutation($name: String!, $region: String!, $status: ProjectStatus!, $budget: Float!) {
  createProject(input: {name: $name, sector: ENERGY, budgetUsd: $budget, startDate: "2024-01-01",
    homeRegion: $region, nationCode: "KE", status: $status}) { id homeRegion } }"""


async def create_project(gql: Gql, name: str, *, region: str = "ams", status: str = "ACTIVE",
                         budget: float = 1_000_000.0, headers: dict[str, str] | None = None) -> str:
    body = await gql("projects", CREATE, {"name": name, "region": region, "status": status, "budget": budget}, headers)
    assert "errors" not in body, body
    return str(body["data"]["createProject"]["id"])


async def outbox_rows(database_url: str, where: str = "TRUE", *args: Any) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(f"SELECT seq, id::text AS id, subject, payload::text AS payload, sent_at FROM outbox WHERE {where} ORDER BY seq", *args)
    finally:
        await conn.close()
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]


@dataclass
class Received:
    subject: str
    msg_id: str | None
    payload: dict[str, Any]
    stream_seq: int
    position: str | None = None  # the relay's Charter-Wal-Position header


async def read_stream(nats_urls: Iterable[str], stream: str, *, wanted: set[str], within: float = 15.0) -> list[Received]:
    """Every message of `stream` (from its start) until all `wanted` event ids are among them,
    through an ephemeral consumer; raises if they do not all arrive in time."""
    nc = await nats.connect(servers=list(nats_urls), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    got: list[Received] = []
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            STREAM_SUBJECTS[stream], stream=stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
        )
        seen: set[str] = set()
        deadline = time.monotonic() + within
        while not wanted <= seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(wanted - seen)} of {len(wanted)} events never reached {stream}")
            try:
                msgs = await sub.fetch(512, timeout=min(left, 1.0))
            except nats.errors.TimeoutError:
                continue
            for m in msgs:
                payload = json.loads(m.data)
                got.append(Received(
                    m.subject, (m.headers or {}).get("Nats-Msg-Id"), payload, m.metadata.sequence.stream,
                    (m.headers or {}).get("Charter-Wal-Position"),
                ))
                seen.add(payload["eventId"])
        await sub.unsubscribe()
    finally:
        await nc.close()
    return got


_T = TypeVar("_T")


async def read_all(nats_urls: Iterable[str], stream: str, within: float = 15.0) -> list[Received]:
    """Everything `stream` holds now, message by message from the stream itself (no consumer: on
    a cluster that just lost a node, creating one can time out while its placement is redone,
    which CI saw; the stream's own get answers once the stream has a leader)."""
    nc = await nats.connect(servers=list(nats_urls), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    got: list[Received] = []
    deadline = time.monotonic() + within
    try:
        js = nc.jetstream(timeout=2.0)
        state = (await _retrying(lambda: js.stream_info(stream), deadline, stream)).state
        for seq in range(state.first_seq, state.last_seq + 1) if state.last_seq else ():
            try:
                m = await _retrying(lambda seq=seq: js.get_msg(stream, seq), deadline, stream)
            except nats.js.errors.NotFoundError:
                continue  # removed (limits): not held
            payload = json.loads(m.data or b"null")
            got.append(Received(m.subject or "", (m.headers or {}).get("Nats-Msg-Id"), payload, m.seq or seq))
    finally:
        await nc.close()
    return got


async def _retrying(call: Callable[[], Awaitable[_T]], deadline: float, stream: str) -> _T:
    """One JetStream API request, again while the cluster has no answer for it yet (a timeout,
    or 503 while the stream elects a leader), until the deadline."""
    while True:
        try:
            return await call()
        except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {stream}: no answer before the deadline") from None
            await asyncio.sleep(0.1)


async def until(predicate: Callable[[], Awaitable[bool]], within: float = 15.0, what: str = "condition") -> None:
    """Awaits a condition that has no notification of its own (a row count), bounded in time."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_relay(database_url: str, settings: EventSettings, name: str = "relay") -> AsyncIterator[Any]:
    from subgraphs.events.relay import Relay

    relay = Relay(database_url, settings, name=name)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(relay.run(stop, ready))
    try:
        waiting = asyncio.ensure_future(ready.wait())
        await asyncio.wait({waiting, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert ready.is_set(), "the relay did not start"
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


def events_process(name: str, database_url: str, nats_urls: Iterable[str], log_dir: Path, *,
                   only: str = "relay", env: dict[str, str] | None = None) -> Any:
    """`charter events` as a child process (started by the caller with `await p.start(READY)`)."""
    import os
    import sys

    from infra.processes import ManagedProcess

    return ManagedProcess(
        name, [sys.executable, "-m", "charter", "events", "--only", only],
        env={**os.environ, "DATABASE_URL": database_url, "CHARTER_NATS_URL": ",".join(nats_urls),
             "CHARTER_RELAY_POLL_S": "60", "CHARTER_STREAM_DUPLICATE_WINDOW_S": "120",
             "CHARTER_STREAM_MAX_AGE_S": "3600", **(env or {})},
        log_path=log_dir / f"{name}.log",
    )


EVENTS_READY = r"charter events: ready"


@contextlib.asynccontextmanager
async def running_analytics(database_url: str, settings: EventSettings) -> AsyncIterator[Any]:
    from subgraphs.db.urls import plain_url
    from subgraphs.events import analytics
    from subgraphs.events.analytics import AnalyticsHandler
    from subgraphs.events.connection import connect
    from subgraphs.events.consumer import run_consumers
    from subgraphs.events.streams import ensure_streams

    nc = await connect(settings.nats_urls, "test-analytics")
    pool = await asyncpg.create_pool(plain_url(database_url), min_size=1, max_size=2)
    stop = asyncio.Event()
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings.streams)
        handler = AnalyticsHandler(pool)
        task = asyncio.create_task(run_consumers(js, handler, analytics.STREAMS, stop))
        try:
            yield handler
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
    finally:
        await nc.close()
        await pool.close()


async def fetchval(database_url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def applied_once(database_url: str, ids: Iterable[str], within: float = 20.0) -> None:
    """Waits until the analytics consumer applied every id; then checks it counted each applied
    event exactly once (the counts' total equals the distinct applied ids)."""
    wanted = list(ids)

    async def all_applied() -> bool:
        n = await fetchval(database_url, "SELECT count(*) FROM consumed_events WHERE consumer = 'analytics' AND event_id = ANY($1::text[])", wanted)
        return int(n) == len(set(wanted))

    await until(all_applied, within, "the analytics consumer to apply every event")
    counted = await fetchval(database_url, "SELECT coalesce(sum(count), 0) FROM event_counts")
    applied = await fetchval(database_url, "SELECT count(*) FROM consumed_events WHERE consumer = 'analytics'")
    assert int(counted) == int(applied), f"{counted} counted for {applied} distinct events: some counted twice"


@contextlib.asynccontextmanager
async def running_handler(settings: EventSettings, handler: Any, streams: Iterable[str]) -> AsyncIterator[Any]:
    from subgraphs.events.connection import connect
    from subgraphs.events.consumer import run_consumers
    from subgraphs.events.streams import ensure_streams

    nc = await connect(settings.nats_urls, f"test-{handler.name}")
    stop = asyncio.Event()
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings.streams)
        task = asyncio.create_task(run_consumers(js, handler, list(streams), stop))
        try:
            yield handler
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
    finally:
        await nc.close()
