"""A three-node JetStream cluster with R3 streams: killing a node (the streams' leader) under a
steady write load loses no event and applies none twice."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import nats
import pytest_asyncio

from infra.nats import NatsCluster
from tests.events.harness import (
    RECORD,
    Gql,
    Platform,
    applied_once,
    call,
    create_project,
    event_settings,
    fetchval,
    outbox_rows,
    read_all,
    running_analytics,
    running_relay,
    until,
)

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]


@pytest_asyncio.fixture
async def cluster() -> AsyncIterator[NatsCluster]:
    base = Path(tempfile.mkdtemp(prefix="charter-nats-cluster-"))
    c = NatsCluster(base)
    try:
        await c.start()
        yield c
    finally:
        await c.stop()
        shutil.rmtree(base, ignore_errors=True)


async def _sent(database_url: str, pid: str) -> int:
    return int(await fetchval(database_url, "SELECT count(*) FROM outbox WHERE payload->>'projectId' = $1 AND sent_at IS NOT NULL", pid))


async def test_a_node_killed_under_steady_writes(platform: Platform, gql: Gql, cluster: NatsCluster) -> None:
    settings = event_settings(cluster.urls, replicas=3, poll_s=1.0)
    pid = await create_project(gql, "Cluster under fire")
    counter = itertools.count()
    stop = asyncio.Event()

    async def write_steadily() -> int:
        ok = 0
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                i = next(counter)
                point = {"kind": "EMISSIONS_AVOIDED_T", "value": float(i), "at": f"2024-{1 + i // 600 % 12:02d}-{1 + i // 24 % 25:02d}T{i % 24:02d}:{i // 7200 % 60:02d}:00Z"}
                body = await call(client, platform.url("metrics"), RECORD, {"p": pid, "points": [point]})
                assert "errors" not in body, body
                ok += 1
                await asyncio.sleep(0.02)  # the load's pace (~40 writes/s with the request time)
        return ok

    async with running_relay(platform.database_url, settings), running_analytics(platform.database_url, settings):
        nc = await nats.connect(servers=cluster.urls)
        try:
            info = await nc.jetstream().stream_info("COVENANT")
        finally:
            await nc.close()
        assert info.config.num_replicas == 3 and info.cluster is not None
        leader = next(n for n in cluster.nodes if n.name == info.cluster.leader)
        writer = asyncio.create_task(write_steadily())
        await until(lambda: _at_least(platform, pid, 30), 30, "events to flow before the kill")
        await leader.kill()
        before = await _sent(platform.database_url, pid)
        await until(lambda: _at_least(platform, pid, before + 60), 60, "events to flow after the kill")
        stop.set()
        written = await writer
        rows = await outbox_rows(platform.database_url, "payload->>'projectId' = $1 AND subject LIKE 'covenant.metric.%'", pid)
        assert len(rows) == written
        ids = [r["id"] for r in rows]
        await until(lambda: _at_least(platform, pid, len(ids)), 60, "every row to be sent")
        await applied_once(platform.database_url, ids, within=60)
    survivors = [n.url for n in cluster.nodes if n.running]
    assert len(survivors) == 2
    stored = [m.msg_id for m in await read_all(survivors, "COVENANT") if m.payload.get("projectId") == pid]
    assert sorted(stored) == sorted(ids), f"{len(set(ids) - set(stored))} lost, {len(stored) - len(set(stored))} stored twice"


async def _at_least(platform: Platform, pid: str, n: int) -> bool:
    return await _sent(platform.database_url, pid) >= n
