"""Event-driven invalidation through the gateway's own JetStream consumer, on a real nats-server:
an event evicts exactly the entity it names, within the 1 s target, and nothing else."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import orjson
import pytest
import redis.asyncio as aioredis

from infra.ports import free_port
from infra.processes import ManagedProcess
from tests.gateway.cache_subgraphs import (
    CacheWorld,
    ServedGateway,
    metric,
    request_headers,
    serve_gateway,
    start_world,
)

ONE = "query One($upc: ID!) { product(upc: $upc) { upc name reviews { id } } }"
CONFIG = """
events:
  - subject: catalog.product.*
    type: Product
    key: {upc: upc}
"""


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    binary = Path(sys.executable).parent / "nats-server"
    proc = ManagedProcess(
        "nats", [str(binary), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")],
        log_path=tmp_path / "nats.log",
    )
    await proc.start(r"Server is ready", within=30)
    yield f"nats://127.0.0.1:{port}"
    await proc.stop()


@pytest.fixture
async def world() -> AsyncIterator[CacheWorld]:
    w = await start_world()
    yield w
    await w.stop()


# A write of a product makes every entry holding some product stale (the safe default), unless its
# event lists the fields it set: a rename names only itself.
PRECISE = """
dependents:
  Product: [Product]
events:
  - subject: catalog.product.*
    type: Product
    key: {upc: upc}
    changed: fields
    fields:
      name: []
"""


async def _serve(config_text: str, world: CacheWorld, redis_url: str, nats_url: str, tmp_path: Path) -> ServedGateway:
    r = aioredis.from_url(redis_url)
    await r.flushdb()
    await r.aclose()
    config = tmp_path / "cache.yaml"
    config.write_text(config_text)
    nc = await nats.connect(nats_url)
    await nc.jetstream().add_stream(name="CATALOG", subjects=["catalog.>"], duplicate_window=60)
    await nc.close()
    g = serve_gateway(
        world.supergraph, redis_url=redis_url, entity_cache=True, entity_cache_config=str(config),
        invalidate_from=nats_url, redis_timeout=1.0,
    )
    return g


@pytest.fixture
async def gateway(world: CacheWorld, redis_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[ServedGateway]:
    g = await _serve(CONFIG, world, redis_url, nats_url, tmp_path)
    yield g
    await g.served.stop()


@pytest.fixture
async def precise_gateway(world: CacheWorld, redis_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[ServedGateway]:
    g = await _serve(PRECISE, world, redis_url, nats_url, tmp_path)
    yield g
    await g.served.stop()


def observe_events(consumer: Any, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set each time the gateway's consumer has handled (evicted for) an event."""
    handled = asyncio.Event()
    on_event = consumer.invalidator.on_event

    async def observed(subject: str, payload: dict[str, object], position: int | None = None) -> int | None:
        try:
            return await on_event(subject, payload, position)
        finally:
            handled.set()

    monkeypatch.setattr(consumer.invalidator, "on_event", observed)
    return handled


async def name_of(c: httpx.AsyncClient, url: str, upc: str) -> str:
    r = await c.post(url, json={"query": ONE, "variables": {"upc": upc}}, headers=request_headers())
    return str(r.json()["data"]["product"]["name"])


async def test_an_event_evicts_its_entity_within_a_second_and_nothing_else(
    gateway: ServedGateway, world: CacheWorld, nats_url: str
) -> None:
    consumer = gateway.served.app.app.state.invalidation_consumer
    await consumer.ready.wait()
    async with httpx.AsyncClient(timeout=10) as c:
        for upc in ("3", "4"):
            await name_of(c, gateway.url, upc)
        await gateway.gateway.entity_cache.drain()
        world.products["3"]["name"] = "written elsewhere"  # the write the event reports
        world.asked.clear()
        assert await name_of(c, gateway.url, "3") == "product 3"  # still cached: no event yet

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        event = {"eventId": "e-1", "upc": "3", "change": "updated", "at": "2026-12-01T12:00:00Z"}
        written = time.monotonic()
        await js.publish("catalog.product.3", orjson.dumps(event), headers={"Nats-Msg-Id": "e-1"})
        # A redelivered copy (same id, inside the duplicate window) is dropped by the server.
        await js.publish("catalog.product.3", orjson.dumps(event), headers={"Nats-Msg-Id": "e-1"})
        await nc.close()
        fresh = None
        while time.monotonic() - written < 1.0:
            fresh = await name_of(c, gateway.url, "3")
            if fresh == "written elsewhere":
                break
        assert fresh == "written elsewhere", "the event did not evict product 3 within 1 s"
        asked = world.asked["catalog"]
        assert await name_of(c, gateway.url, "4") == "product 4"
        assert world.asked["catalog"] == asked, "product 4 was evicted by product 3's event"
    assert consumer.processed == 1


async def test_an_event_listing_the_fields_it_set_keeps_the_other_entries_hits(
    precise_gateway: ServedGateway, world: CacheWorld, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The domain benchmark's drop (92.5 % -> 51.5 %): each project update's event evicted every
    entry holding any project. A rename's event, listing its fields, evicts only its entity."""
    gateway = precise_gateway
    consumer = gateway.served.app.app.state.invalidation_consumer
    await consumer.ready.wait()
    upcs = ("1", "2", "4", "5")
    handled = observe_events(consumer, monkeypatch)  # set when the consumer has evicted for an event

    async def lookups(c: httpx.AsyncClient) -> tuple[float, float]:
        text = (await c.get(gateway.url.removesuffix("/graphql") + "/metrics")).text
        return tuple(metric(text, "charter_cache_requests_total", cache="entity", result=k) for k in ("hit", "miss"))  # type: ignore[return-value]

    async with httpx.AsyncClient(timeout=10) as c:
        for upc in (*upcs, "3"):
            await name_of(c, gateway.url, upc)
        await gateway.gateway.entity_cache.drain()
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for i, fields in enumerate((["name"], ["price"])):  # a rename, then a field no rule lists
            event = {"eventId": f"f-{i}", "upc": "3", "change": "updated", "fields": fields, "at": "2026-12-01T12:00:00Z"}
            handled.clear()
            await js.publish("catalog.product.3", orjson.dumps(event), headers={"Nats-Msg-Id": f"f-{i}"})
            await asyncio.wait_for(handled.wait(), 10)
            world.asked.clear()
            hits, misses = await lookups(c)
            for upc in upcs:
                assert await name_of(c, gateway.url, upc) == f"product {upc}"
            got_hits, got_misses = await lookups(c)
            if fields == ["name"]:
                # every other product: its root entry and its reviews, from the cache
                assert (got_hits - hits, got_misses - misses) == (2 * len(upcs), 0)
                assert world.asked["catalog"] == 0 and world.asked["reviews"] == 0
            else:  # the safe default: every entry holding some product went
                assert got_misses - misses == len(upcs)
                assert world.asked["catalog"] == len(upcs)
            await gateway.gateway.entity_cache.drain()
        await nc.close()


def test_the_platform_rules_evict_the_project_and_the_stats_that_include_it() -> None:
    from gateway.cache.config import load_config
    from gateway.cache.entity import EntityCache
    from gateway.cache.invalidation import EventInvalidator

    config = load_config(Path(__file__).resolve().parents[2] / "infra" / "entity-cache.yaml")
    inv = EventInvalidator(EntityCache(None, config))  # type: ignore[arg-type]
    project = inv.tags_for(
        "covenant.project.ams.p-7",
        {"eventId": "x", "id": "p-7", "region": "ams", "change": "updated", "at": "2026-12-01T00:00:00Z"},
    )
    # A projects-subgraph write evicts the project's entries holding a field that subgraph owns
    # (`sets`), never the metrics subgraph's entry for it (which holds only Project.metrics).
    own = {f"f:Project:p-7#{c.split('.')[1]}" for c in config.mutations["updateProject"].sets or ()}
    assert "f:Project:p-7#name" in own and "f:Project:p-7#metrics" not in own
    assert own <= project and "t:RegionStats" in project and "t:NationStats" in project
    assert not any(t.startswith("e:") for t in project)
    assert not any(t.startswith("f:") and t not in own for t in project)
    # An update listing what it set evicts what those fields feed, as the gateway's own mutation does.
    base = {"eventId": "z", "id": "p-7", "region": "ams", "change": "updated", "at": "2026-12-01T00:00:00Z"}
    renamed = inv.tags_for("covenant.project.ams.p-7", {**base, "fields": ["name"]})
    assert renamed == own | {"u:Project", "l:Query.projects", "t:Query.projects"}
    progressed = inv.tags_for("covenant.project.ams.p-7", {**base, "fields": ["name", "progress"]})
    assert "t:NationStats.averageProgress" in progressed and "t:NationStats" not in progressed
    assert "t:Project" not in progressed and "t:RegionStats" not in progressed
    for fields in (["status"], ["name", "homeRegion"], [], "name"):  # moves lists or stats, or says nothing usable
        assert inv.tags_for("covenant.project.ams.p-7", {**base, "fields": fields}) == project
    metric = inv.tags_for(
        "covenant.metric.ams.p-7",
        {"eventId": "y", "projectId": "p-7", "kind": "PROGRESS", "value": 0.5, "at": "2026-12-01T00:00:00Z", "region": "ams"},
    )
    assert "f:Project:p-7#metrics" in metric and "t:Nation.metrics" in metric
    assert not any(t.startswith("e:") or (t.startswith("f:") and t != "f:Project:p-7#metrics") for t in metric)
    assert "t:RegionStats" not in metric and "l:Project" not in metric  # metrics move no stats or lists
    assert inv.tags_for("covenant.nation.ams.FR", {"id": "FR"}) == set()
    update = config.mutations["updateProject"]
    assert update.for_input({"name": "n", "progress": 0.5}) == ("Query.projects", "NationStats.averageProgress")
    assert update.for_input({"progress": 0.5, "status": "ACTIVE"}) is None  # status: all dependents


async def test_an_event_with_a_position_refuses_answers_read_before_it(
    gateway: ServedGateway, world: CacheWorld, nats_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay stamps each event with a WAL position past its write (`Charter-Wal-Position`): an
    answer that reflects an older position cannot be stored after the eviction, however late it
    arrives; one that reflects the write can."""
    consumer = gateway.served.app.app.state.invalidation_consumer
    await consumer.ready.wait()
    handled = observe_events(consumer, monkeypatch)
    w = world.world
    try:
        async with httpx.AsyncClient(timeout=10) as c:
            nc = await nats.connect(nats_url)
            event = {"eventId": "p-1", "upc": "6", "change": "updated", "at": "2026-12-01T12:00:00Z"}
            await nc.jetstream().publish(
                "catalog.product.6", orjson.dumps(event), headers={"Nats-Msg-Id": "p-1", "Charter-Wal-Position": "0/500"}
            )
            await nc.close()
            await handled.wait()
            r = aioredis.from_url(redis_url)
            try:
                written = [v for k in await r.keys("charter:w:*") if (v := await r.get(k)) is not None]
            finally:
                await r.aclose()
            assert set(written) == {b"%016x" % 0x500}
            w.read_position = "0/4FF"  # a replica that has not replayed the write
            await name_of(c, gateway.url, "6")
            await gateway.gateway.entity_cache.drain()
            world.asked.clear()
            await name_of(c, gateway.url, "6")
            assert world.asked["catalog"] == 1, "an answer read before the event's write was stored"
            w.read_position = "0/500"
            await name_of(c, gateway.url, "6")
            await gateway.gateway.entity_cache.drain()
            await name_of(c, gateway.url, "6")
            assert world.asked["catalog"] == 2, "an answer reflecting the write was not stored"
    finally:
        w.read_position = None
