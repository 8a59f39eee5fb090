"""The plan cache's second level in Redis: a fresh gateway process starts warm (plans from the
store, no planning), and a supergraph reload re-plans the hottest operations before the swap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis
import redis.asyncio as aioredis

from gateway.config import GatewayConfig
from gateway.reload import reload_once
from tests.gateway.cache_subgraphs import (
    CacheWorld,
    metric,
    request_headers,
    serve_gateway,
    start_world,
)
from tests.gateway.gateway_support import WORKLOAD, GatewayFactory

QUERY = (WORKLOAD / "query.graphql").read_text()


async def _flush(redis_url: str) -> None:
    r = aioredis.from_url(redis_url)
    await r.flushdb()
    await r.aclose()


def _post(url: str, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
    r = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=request_headers(), timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body  # type: ignore[no-any-return]


def test_a_fresh_gateway_process_starts_warm(
    start_gateway: GatewayFactory, bench_supergraph: Path, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    first = start_gateway(bench_supergraph, "--redis", redis_url, "--no-watch")
    expected = _post(first.url, QUERY)
    first.stop()  # a graceful stop reports its plans' use to the store
    second = start_gateway(bench_supergraph, "--redis", redis_url, "--no-watch")
    before = httpx.get(f"{second.url}/metrics").text
    assert metric(before, "charter_gateway_plan_cache_entries") == 1, "the new process did not start warm"
    assert _post(second.url, QUERY) == expected
    after = httpx.get(f"{second.url}/metrics").text
    assert metric(after, "charter_gateway_plan_cache_misses") == 0  # it never planned
    assert metric(after, "charter_cache_requests_total", cache="plan", result="hit") >= 1


@pytest.fixture
async def world() -> AsyncIterator[CacheWorld]:
    w = await start_world()
    yield w
    await w.stop()


async def test_a_reload_replans_the_hottest_operations_before_the_swap(world: CacheWorld, redis_url: str) -> None:
    await _flush(redis_url)
    g = serve_gateway(world.supergraph, redis_url=redis_url)
    try:
        async with httpx.AsyncClient(timeout=10) as c:
            for upc in ("1", "2", "3"):
                r = await c.post(g.url, json={"query": "query P($u: ID!) { product(upc: $u) { name } }", "variables": {"u": upc}}, headers=request_headers())
                assert r.json()["data"]["product"]["name"] == f"product {upc}"
            await c.post(g.url, json={"query": "{ productCount }"}, headers=request_headers())
            old = g.gateway.state
            assert reload_once(g.gateway, GatewayConfig(watch=False), world.supergraph + "\n# v2\n") == "ok"
            new = g.gateway.state
            assert new.id != old.id
            assert len(new.plans) == 2 and new.plans.misses == 0  # planned before it served anything
            r = await c.post(g.url, json={"query": "query P($u: ID!) { product(upc: $u) { name } }", "variables": {"u": "4"}}, headers=request_headers())
            assert r.json()["data"]["product"]["name"] == "product 4"
            assert (new.plans.hits, new.plans.misses) == (1, 0)
    finally:
        await g.served.stop()
