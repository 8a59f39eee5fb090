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
from typing import Any

import asyncpg
import httpx
import nats
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
    await cluster.start()
    await seed(cluster.primary_url())
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
                got.append(Received(m.subject, (m.headers or {}).get("Nats-Msg-Id"), payload, m.metadata.sequence.stream))
                seen.add(payload["eventId"])
        await sub.unsubscribe()
    finally:
        await nc.close()
    return got


async def until(predicate: Callable[[], Awaitable[bool]], within: float = 15.0, what: str = "condition") -> None:
    """Awaits a condition that has no notification of its own (a row count), bounded in time."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
