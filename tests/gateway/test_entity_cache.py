"""The entity cache on real Redis: hits and misses, one MGET per fetch level, only misses sent to
the subgraph, TTLs from composed @cacheControl hints, Cache-Control, scoped entries, mutation
evictions (exact), and the consistency-token bypass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from gateway.auth.config import AuthConfig
from tests.gateway.auth_support import Keys
from tests.gateway.cache_subgraphs import (
    CacheWorld,
    ServedGateway,
    metric,
    request_headers,
    serve_gateway,
    start_world,
)

TOP = "query Top($n: Int!) { topProducts(first: $n) { upc name reviews { id body } } }"
ONE = "query One($upc: ID!) { product(upc: $upc) { upc name price reviews { id body } } }"


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[CacheWorld]:
    w = await start_world()
    yield w
    await w.stop()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("jwks"))


@pytest.fixture(scope="module")
async def gateway(world: CacheWorld, redis_url: str, keys: Keys) -> AsyncIterator[ServedGateway]:
    # The gateway checks tokens: the scoped field is served only with a token granting its scope.
    g = serve_gateway(
        world.supergraph, redis_url=redis_url, entity_cache=True, redis_timeout=1.0,
        auth=AuthConfig(jwks=(str(keys.path),)),
    )
    yield g
    await g.served.stop()


@pytest.fixture
async def client(gateway: ServedGateway, world: CacheWorld, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    r = aioredis.from_url(redis_url)
    await r.flushdb()
    await r.aclose()
    world.asked.clear()
    async with httpx.AsyncClient(base_url=gateway.url.removesuffix("/graphql"), timeout=10) as c:
        yield c


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: Any) -> httpx.Response:
    r = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=request_headers(**headers))
    assert r.status_code == 200, r.text
    assert "errors" not in r.json(), r.text
    return r


async def settled(gateway: ServedGateway) -> None:
    await gateway.gateway.entity_cache.drain()


async def commands(redis_url: str, name: str) -> int:
    r = aioredis.from_url(redis_url)
    try:
        stats = await r.info("commandstats")
    finally:
        await r.aclose()
    return int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))


async def test_second_request_is_served_from_the_cache(client: httpx.AsyncClient, gateway: ServedGateway, world: CacheWorld) -> None:
    first = await post(client, TOP, {"n": 3})
    assert world.asked["catalog"] == 1 and world.asked["reviews"] == 1
    await settled(gateway)
    before = (await client.get("/metrics")).text
    second = await post(client, TOP, {"n": 3})
    assert second.json() == first.json()
    assert world.asked["catalog"] == 1 and world.asked["reviews"] == 1, "a warm request asked a subgraph"
    after = (await client.get("/metrics")).text
    hits = metric(after, "charter_cache_requests_total", cache="entity", result="hit") - metric(
        before, "charter_cache_requests_total", cache="entity", result="hit"
    )
    assert hits == 4  # the root field, and the three products' reviews
    # topProducts has maxAge 20, the smallest of what the answer used (Product 60, Review 300)
    assert second.headers["cache-control"] == "public, max-age=20"


async def test_a_level_is_one_mget_and_only_misses_reach_the_subgraph(
    client: httpx.AsyncClient, gateway: ServedGateway, world: CacheWorld, redis_url: str
) -> None:
    await post(client, ONE, {"upc": "2"})  # warms Product 2's reviews entry
    await settled(gateway)
    world.asked.clear()
    mgets = await commands(redis_url, "mget")
    answer = await post(client, TOP, {"n": 4})
    assert await commands(redis_url, "mget") - mgets == 2  # the root fetch, then one for the level
    assert world.asked["reviews"] == 1
    assert world.asked["reviews:reps"] == 3  # products 1, 3 and 4: product 2 came from the cache
    got = answer.json()["data"]["topProducts"]
    assert [p["upc"] for p in got] == ["1", "2", "3", "4"]
    for p in got:  # merged in order: every product has its own reviews
        assert [r["id"] for r in p["reviews"]] == [f"r{p['upc']}-1", f"r{p['upc']}-2"]


async def test_an_unhinted_root_field_is_not_cached(client: httpx.AsyncClient, world: CacheWorld, gateway: ServedGateway) -> None:
    for _ in range(2):
        r = await post(client, "{ productCount }")
        await settled(gateway)
        assert r.headers["cache-control"] == "no-store"
    assert world.asked["catalog"] == 2


async def test_scoped_fields_are_cached_per_credentials_and_private(
    client: httpx.AsyncClient, gateway: ServedGateway, world: CacheWorld, keys: Keys
) -> None:
    q = "query($upc: ID!) { product(upc: $upc) { name note } }"
    alice = f"Bearer {keys.token(sub='alice', scope='read:notes')}"
    bob = f"Bearer {keys.token(sub='bob', scope='read:notes')}"
    a = await post(client, q, {"upc": "5"}, authorization=alice)
    await settled(gateway)
    b = await post(client, q, {"upc": "5"}, authorization=bob)
    await settled(gateway)
    assert a.json()["data"]["product"]["note"] == f"note for 5 as {alice}"
    assert b.json()["data"]["product"]["note"] == f"note for 5 as {bob}"
    assert a.headers["cache-control"].startswith("private, ")
    world.asked.clear()
    again = await post(client, q, {"upc": "5"}, authorization=alice)
    assert again.json() == a.json()
    assert world.asked["reviews"] == 0  # alice's own entry


async def test_a_mutation_evicts_exactly_what_it_touched(
    client: httpx.AsyncClient, gateway: ServedGateway, world: CacheWorld
) -> None:
    for upc in ("7", "8"):
        await post(client, ONE, {"upc": upc})
    await settled(gateway)
    world.asked.clear()
    before = (await client.get("/metrics")).text
    m = await post(client, 'mutation { renameProduct(upc: "7", name: "renamed") { upc name } }')
    after = (await client.get("/metrics")).text
    evicted = metric(after, "charter_cache_evictions_total", reason="mutation") - metric(
        before, "charter_cache_evictions_total", reason="mutation"
    )
    assert evicted == 2  # product 7's root entry and its reviews entry; none of product 8's
    assert m.headers["cache-control"] == "no-store"
    assert world.asked["catalog"] == 1
    seven = await post(client, ONE, {"upc": "7"})
    assert seven.json()["data"]["product"]["name"] == "renamed"
    assert world.asked["catalog"] == 2, "product 7's entry survived its write"
    await post(client, ONE, {"upc": "8"})
    assert world.asked["catalog"] == 2, "product 8's entry was evicted by a write to product 7"
    assert world.asked["reviews"] == 1  # Product 7's reviews entry was evicted too (same entity)


async def test_a_consistency_token_reads_around_the_cache(
    client: httpx.AsyncClient, gateway: ServedGateway, world: CacheWorld
) -> None:
    await post(client, ONE, {"upc": "9"})
    await settled(gateway)
    world.products["9"]["name"] = "changed behind the cache"
    stale = await post(client, ONE, {"upc": "9"})
    assert stale.json()["data"]["product"]["name"] == "product 9"  # a hit: the subgraph was not asked
    fresh = await post(client, ONE, {"upc": "9"}, token="0/16B3748")
    assert fresh.json()["data"]["product"]["name"] == "changed behind the cache"
    assert fresh.headers["cache-control"] == "no-store"
    world.products["9"]["name"] = "product 9"


UPDATE = "mutation U($upc: ID!, $input: ProductInput!) { updateProduct(upc: $upc, input: $input) { upc name } }"
RULES = """
mutations:
  updateProduct:
    argument: input
    fields:
      name: []     # a name feeds no list or aggregate here
"""


async def test_a_mutation_rule_evicts_by_the_input_fields_it_sets(world: CacheWorld, redis_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    g = serve_gateway(world.supergraph, redis_url=redis_url, entity_cache=True, entity_cache_config=str(rules), redis_timeout=1.0)
    try:
        async with httpx.AsyncClient(base_url=g.url.removesuffix("/graphql"), timeout=10) as c:
            await post(c, TOP, {"n": 1})  # a list of Product naming product 1 only
            await settled(g)
            world.asked.clear()
            await post(c, UPDATE, {"upc": "12", "input": {"name": "twelve"}})
            await post(c, TOP, {"n": 1})
            assert world.asked["catalog"] == 1, "a name-only update evicted a list not naming it"
            await post(c, UPDATE, {"upc": "12", "input": {"price": 5}})  # price: not in the rule
            await post(c, TOP, {"n": 1})
            assert world.asked["catalog"] == 3, "an update of an unlisted field kept the lists of its type"
    finally:
        await g.served.stop()
        world.products["12"].update(name="product 12", price=120)
