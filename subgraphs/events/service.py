"""`charter events`: the outbox relay and the event consumers (analytics, cache invalidation) in
one process. Each part can also run alone (`--only relay`), and several copies may run at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import asyncpg

from subgraphs.db.urls import plain_url
from subgraphs.events import analytics, cache
from subgraphs.events.analytics import AnalyticsHandler
from subgraphs.events.cache import CacheInvalidator, Hook
from subgraphs.events.config import EventSettings
from subgraphs.events.connection import connect
from subgraphs.events.consumer import run_consumers
from subgraphs.events.relay import Relay
from subgraphs.events.streams import ensure_streams

log = logging.getLogger("charter.events")
PARTS = ("relay", "analytics", "cache")


async def run_events(
    database_url: str,
    settings: EventSettings,
    stop: asyncio.Event,
    *,
    parts: Sequence[str] = PARTS,
    hooks: Sequence[Hook] = (),
    on_ready: Callable[[], None] | None = None,
) -> None:
    tasks: list[asyncio.Task[None]] = []
    pool: asyncpg.Pool | None = None
    nc = None
    try:
        relay_ready = asyncio.Event()
        if "relay" in parts:
            tasks.append(asyncio.create_task(Relay(database_url, settings).run(stop, relay_ready), name="relay"))
        else:
            relay_ready.set()
        if "analytics" in parts or "cache" in parts:
            nc = await connect(settings.nats_urls, "charter-consumers")
            js = nc.jetstream()
            await ensure_streams(js, settings.streams)
            if "analytics" in parts:
                pool = await asyncpg.create_pool(plain_url(database_url), min_size=1, max_size=4)
                tasks.append(asyncio.create_task(
                    run_consumers(js, AnalyticsHandler(pool), analytics.STREAMS, stop), name="analytics"))
            if "cache" in parts:
                tasks.append(asyncio.create_task(
                    run_consumers(js, CacheInvalidator(hooks), cache.STREAMS, stop), name="cache"))
        waiting = asyncio.ensure_future(relay_ready.wait())
        done, _ = await asyncio.wait({waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        if waiting in done and on_ready is not None:
            on_ready()
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        for t in tasks:
            if not t.done():
                t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if nc is not None:
            await nc.close()
        if pool is not None:
            await pool.close()
