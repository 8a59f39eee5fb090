"""The entity cache at run time: batched lookups, background fills, tag-based evictions.

Entries are plain Redis strings (`SET key json EX ttl`); each entry's key is also added to the
sets of its tags (see `tags`), so a write evicts exactly the entries holding what it changed, in
one round trip (a Lua script deletes the members of the tag sets). Lookups for all the
representations of a fetch level are one MGET. Fills run in the background, off the response's
critical path, bounded so a slow Redis cannot pile them up.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence

from gateway.cache.config import EntityCacheConfig
from gateway.cache.redis_store import RedisStore
from gateway.cache.stats import CacheStats, NullStats
from gateway.cache.tags import entity_tag

log = logging.getLogger("charter.gateway.cache")

CONSISTENCY_HEADER = "x-charter-consistency"
MAX_PENDING_FILLS = 256
# Tag sets outlive the entries they name (an entry may be re-added with a fresh TTL).
TAG_TTL = 24 * 3600


def scope_of(headers: Mapping[str, str]) -> str:
    """The caller's credentials, hashed: scoped entries are keyed by it and never shared."""
    auth = headers.get("authorization")
    if not auth:
        return "anonymous"
    return hashlib.blake2b(auth.encode(), digest_size=12).hexdigest()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class EntityCache:
    def __init__(self, store: RedisStore, config: EntityCacheConfig, stats: CacheStats | None = None) -> None:
        self.store = store
        self.config = config
        self.stats: CacheStats = stats or NullStats()
        self._fills: set[asyncio.Task[bool]] = set()
        self._later: set[asyncio.Task[None]] = set()
        # Tags written within the settle time: answers holding them may come from a replica that
        # has not replayed the write yet, so they are not stored until it has.
        self._recent: dict[str, float] = {}

    # ------------------------------------------------------------------ reads
    async def lookup(self, keys: list[str]) -> list[bytes | None]:
        """One MGET for all keys; all misses when Redis is unusable."""
        values = await self.store.mget(keys)
        if values is None:
            self.stats.request("entity", "error", len(keys))
            return [None] * len(keys)
        hits = sum(1 for v in values if v is not None)
        if hits:
            self.stats.request("entity", "hit", hits)
        if hits < len(keys):
            self.stats.request("entity", "miss", len(keys) - hits)
        return values

    def bypassed(self, n: int) -> None:
        """Lookups skipped for a consistency token: counted as misses (the subgraph answered)."""
        self.stats.request("entity", "miss", n)

    # ------------------------------------------------------------------ writes
    def fill(self, entries: Sequence[tuple[str, bytes, int, Iterable[str]]]) -> None:
        """Store (key, value, TTL seconds, tags) entries in the background."""
        if not entries or not self.store.available or len(self._fills) >= MAX_PENDING_FILLS:
            return
        ns = self.config.namespace + "tag:"
        prepared = []
        now = time.monotonic()
        recent = self._recent
        for key, value, ttl, tags in entries:
            tags = tuple(tags)
            ttl_ms = ttl * 1000
            if recent:
                # Holding something written within the settle time: the answer may come from a
                # replica that has not replayed the write yet, so it lives only until the settle
                # time ends (when a second eviction runs anyway).
                until = max((recent.get(t, 0.0) for t in tags), default=0.0)
                if until > now:
                    ttl_ms = min(ttl_ms, max(1, int((until - now) * 1000)))
            prepared.append((key, value, ttl_ms, tuple(ns + t for t in tags)))
        task = asyncio.get_running_loop().create_task(self.store.set_tagged(prepared, TAG_TTL))
        self._fills.add(task)
        task.add_done_callback(self._fills.discard)

    async def drain(self) -> None:
        """Wait for background fills and scheduled evictions (tests, shutdown)."""
        while self._fills or self._later:
            await asyncio.gather(*self._fills, *self._later, return_exceptions=True)

    # ------------------------------------------------------------------ evictions
    async def evict(self, tags: Iterable[str], reason: str) -> int | None:
        """Evict every entry carrying one of these tags, now and once more after the settle time."""
        tags = set(tags)
        tag_keys = sorted({self.config.namespace + "tag:" + t for t in tags})
        if not tag_keys:
            return 0
        self._remember(tags)
        n = await self.store.invalidate(tag_keys)
        if n is None:
            log.debug("eviction of %d tags failed (redis unavailable); TTLs bound the staleness", len(tag_keys))
        elif n:
            self.stats.evicted(reason, n)
        if self.config.settle_seconds > 0:
            task = asyncio.get_running_loop().create_task(self._again(tag_keys, reason))
            self._later.add(task)
            task.add_done_callback(self._later.discard)
        return n

    def _remember(self, tags: set[str]) -> None:
        now = time.monotonic()
        if len(self._recent) > 10_000:
            self._recent = {t: u for t, u in self._recent.items() if u > now}
        until = now + self.config.settle_seconds
        for t in tags:
            self._recent[t] = until

    async def _again(self, tag_keys: list[str], reason: str) -> None:
        await asyncio.sleep(self.config.settle_seconds)
        n = await self.store.invalidate(tag_keys)
        if n:
            self.stats.evicted(reason + "_settle", n)

    def write_tags(
        self, type_name: str, key_values: list[object] | None, dependents: tuple[str, ...] | None = None
    ) -> set[str]:
        """What a write of one entity makes stale: the entity, and its type's dependents."""
        tags = {"u:" + type_name}
        if key_values is None:
            tags.add("a:" + type_name)
        else:
            tags.add(entity_tag(type_name, key_values))
        for dep in self.config.dependents_of(type_name) if dependents is None else dependents:
            tags.add("l:" + dep)
            tags.add("t:" + dep)
        return tags

    async def close(self) -> None:
        for t in list(self._later):
            t.cancel()
        await asyncio.gather(*self._fills, *self._later, return_exceptions=True)


def mutation_tags(
    found: Iterable[str], config: EntityCacheConfig, dependents: tuple[str, ...] | None = None
) -> set[str]:
    """What a mutation's answer makes stale: each entity in it (all of its type when the answer
    lacks the key), and the dependents of each type it touched."""
    out: set[str] = set()
    for tag in found:
        kind, _, rest = tag.partition(":")
        if kind == "e":
            out.add(tag)
            type_name = rest.split(":", 1)[0]
        elif kind == "u":
            out.add("a:" + rest)
            type_name = rest
        elif kind == "a":
            type_name = rest
        else:
            continue
        out.add("u:" + type_name)
        for dep in config.dependents_of(type_name) if dependents is None else dependents:
            out.add("l:" + dep)
            out.add("t:" + dep)
    return out
