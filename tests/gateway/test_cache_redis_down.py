"""Redis stopped (or stalled) under load: every cache degrades to a miss, the gateway keeps
answering correctly (0 failed requests), logs once per episode and exports it in /metrics."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from infra.redis import EmbeddedRedis
from tests.gateway.cache_subgraphs import (
    CacheWorld,
    metric,
    request_headers,
    serve_gateway,
    start_world,
)

Q = "query One($upc: ID!) { product(upc: $upc) { upc name reviews { id } } }"


@pytest.fixture
async def world() -> AsyncIterator[CacheWorld]:
    w = await start_world()
    yield w
    await w.stop()


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis")
    await server.start()
    yield server
    await server.stop()


class Load:
    """Clients asking in a loop; every answer is checked."""

    def __init__(self, url: str, clients: int = 16) -> None:
        self.url = url
        self.clients = clients
        self.ok = 0
        self.failed: list[str] = []
        self.slowest = 0.0
        self._stop = asyncio.Event()
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _client(self, n: int) -> None:
        async with httpx.AsyncClient(timeout=10) as c:
            i = n
            while not self._stop.is_set():
                upc = str(i % 20 + 1)
                i += 1
                started = time.monotonic()
                try:
                    r = await c.post(self.url, json={"query": Q, "variables": {"upc": upc}}, headers=request_headers())
                    body = r.json()
                    good = r.status_code == 200 and "errors" not in body and body["data"]["product"]["upc"] == upc
                    if good and body["data"]["product"]["reviews"][0]["id"] == f"r{upc}-1":
                        self.ok += 1
                    else:
                        self.failed.append(r.text[:300])
                except Exception as e:
                    self.failed.append(repr(e))
                self.slowest = max(self.slowest, time.monotonic() - started)
                self._progress.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(self.clients)]

    async def until(self, count: int) -> None:
        target = self.ok + count
        while self.ok < target and not self.failed:
            self._progress.clear()
            await self._progress.wait()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)


async def test_redis_stopped_under_load_fails_no_request(
    world: CacheWorld, redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="charter.gateway.cache")
    # Gateway, subgraphs and clients share this test's event loop: a deadline generous enough
    # that a busy loop is not mistaken for a dead Redis.
    g = serve_gateway(world.supergraph, redis_url=redis_server.url, entity_cache=True, redis_timeout=0.5)
    load = Load(g.url, clients=8)
    try:
        load.start()
        await load.until(100)  # warm: answers come from Redis now
        await redis_server.stop()
        await load.until(100)  # Redis gone: answers come from the subgraphs
        async with httpx.AsyncClient() as c:
            text = (await c.get(g.url.removesuffix("/graphql") + "/metrics")).text
        assert metric(text, "charter_cache_redis_degraded") == 1
        assert metric(text, "charter_cache_redis_degraded_episodes_total") == 1
        assert metric(text, "charter_cache_requests_total", cache="entity", result="error") > 0
        assert metric(text, "charter_cache_requests_total", cache="entity", result="hit") > 0
        await load.stop()
    finally:
        await load.stop()
        await g.served.stop()
    assert load.failed == []
    down = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(down) == 1, [r.getMessage() for r in down]  # one line per episode, not per request


async def test_a_stalled_redis_costs_a_short_timeout_not_an_error(world: CacheWorld, redis_server: EmbeddedRedis) -> None:
    g = serve_gateway(world.supergraph, redis_url=redis_server.url, entity_cache=True, redis_timeout=0.1)
    load = Load(g.url, clients=4)
    sleeper = aioredis.from_url(redis_server.url, socket_timeout=30)
    try:
        load.start()
        await load.until(30)
        load.slowest = 0.0
        stall = asyncio.create_task(sleeper.execute_command("DEBUG", "SLEEP", "6"))
        await load.until(20)  # answered while Redis sleeps
        assert not stall.done(), "Redis woke up before the load ran: the test proved nothing"
        await stall
        await load.stop()
    finally:
        await load.stop()
        await sleeper.aclose()
        await g.served.stop()
    assert load.failed == []
    assert load.slowest < 2.0, f"a request waited {load.slowest:.2f}s for a stalled Redis"
