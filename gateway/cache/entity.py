"""The entity cache at run time: batched lookups, background fills, tag-based evictions.

Entries are plain Redis strings (`SET key stamp+json PX ttl`); each entry's key is also added to
the sets of its tags (see `tags`), so a write evicts exactly the entries holding what it changed,
in one round trip (a Lua script deletes the members of the tag sets). Lookups for all the
representations of a fetch level are one MGET. Fills run in the background, off the response's
critical path, bounded so a slow Redis cannot pile them up.

Read-your-writes: each entry starts with a stamp, the WAL position the answer it holds reflects at
least (the subgraph's `extensions.readPosition`; 0 when it did not say). A client holding a
consistency token (a write's position) is served only entries stamped at or past it: an older
entry may predate the client's write, so that one representation goes to the subgraph, which
reads at or past the token. Every other entry stays a hit.
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
from gateway.cache.tags import entity_tag, field_tags

log = logging.getLogger("charter.gateway.cache")

CONSISTENCY_HEADER = "x-charter-consistency"
STAMP = 16  # hex digits of the position stamp in front of each entry
UNREADABLE_TOKEN = 1 << 64  # past any position: a token the gateway cannot read bypasses everything
MAX_PENDING_FILLS = 256
# Tag sets outlive the entries they name (an entry may be re-added with a fresh TTL).
TAG_TTL = 24 * 3600
# A tag's write position is kept past any fetch still in flight that could have read before it
# (the subgraph timeout) and any replica lag the subgraphs tolerate.
WRITTEN_TTL = 60
FETCH_HORIZON = 60.0
ISSUED_SECONDS = 60.0


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
        # Per tag written lately: (until when fetches started earlier are refused if stamped, for
        # a write of unknown position; the same for unstamped answers, for any write).
        self._recent: dict[str, tuple[float, float]] = {}
        self._issued: dict[int, float] = {}  # consistency tokens handed out after their evictions

    # ------------------------------------------------------------------ reads
    async def lookup(self, keys: list[str], at_least: int | None = None) -> list[bytes | None]:
        """One MGET for all keys: each entry's JSON, or None for a miss (absent, unreadable, or
        stamped before `at_least`, the client's consistency token); all misses when Redis is
        unusable."""
        values = await self.store.mget(keys)
        if values is None:
            self.stats.request("entity", "error", len(keys))
            return [None] * len(keys)
        out: list[bytes | None] = []
        for value in values:
            if value is not None:
                try:
                    stamp = int(value[:STAMP], 16)
                except ValueError:  # not an entry of this format: a miss, overwritten by the fill
                    value = None
                else:
                    value = value[STAMP:] if at_least is None or stamp >= at_least else None
            out.append(value)
        hits = sum(1 for v in out if v is not None)
        if hits:
            self.stats.request("entity", "hit", hits)
        if hits < len(keys):
            self.stats.request("entity", "miss", len(keys) - hits)
        return out

    # ------------------------------------------------------------------ writes
    def fill(
        self, entries: Sequence[tuple[str, bytes, int, Iterable[str]]], position: int = 0, started: float | None = None
    ) -> None:
        """Store (key, value, TTL seconds, tags) entries in the background, stamped with the WAL
        position the answer reflects (0: unknown, which any consistency token reads around).

        `started` is when the fetch that answered was sent (time.monotonic()). An answer that may
        predate a write to one of its tags is not stored: with a stamp, Redis compares it with
        the tag's write position atomically (`RedisStore.fill`); without one, or against a write
        whose position is unknown, an answer whose fetch started before the eviction's settle time
        ended is dropped (it may have been read before the write, or from a replica behind it).
        """
        if not entries or not self.store.available or len(self._fills) >= MAX_PENDING_FILLS:
            return
        stamp = b"%016x" % min(max(position, 0), UNREADABLE_TOKEN - 1)
        ns = self.config.namespace
        started = time.monotonic() if started is None else started
        recent = self._recent
        prepared = []
        for key, value, ttl, tags in entries:
            tags = tuple(tags)
            if recent and any(started < recent[t][0 if position else 1] for t in tags if t in recent):
                self.stats.evicted("unsafe_fill", 1)
                continue
            prepared.append((
                key, stamp + value, max(ttl, 1) * 1000,
                tuple(ns + "tag:" + t for t in tags), tuple(ns + "w:" + t for t in tags),
            ))
        if not prepared:
            return
        task = asyncio.get_running_loop().create_task(self._store(prepared, stamp.decode()))
        self._fills.add(task)
        task.add_done_callback(self._fills.discard)

    async def _store(self, prepared: list[tuple[str, bytes, int, tuple[str, ...], tuple[str, ...]]], stamp: str) -> bool:
        stored = await self.store.fill(prepared, stamp, TAG_TTL)
        if stored is not None and stored < len(prepared):
            self.stats.evicted("stale_fill", len(prepared) - stored)
        return stored is not None

    async def drain(self) -> None:
        """Wait for background fills and scheduled evictions (tests, shutdown)."""
        while self._fills or self._later:
            await asyncio.gather(*self._fills, *self._later, return_exceptions=True)

    # ------------------------------------------------------------------ evictions
    async def evict(self, tags: Iterable[str], reason: str, position: int | None = None) -> int | None:
        """Evict every entry carrying one of these tags, now and once more after the settle time.
        `position`: the write's WAL position (at or past its commit), when known; answers read
        before it are refused afterwards."""
        names = sorted(set(tags))
        if not names:
            return 0
        self._remember(names, position)
        ns = self.config.namespace
        tag_keys = [ns + "tag:" + t for t in names]
        written = [ns + "w:" + t for t in names]
        at = f"{position:016x}" if position else ""
        n = await self.store.invalidate(tag_keys, written, at, WRITTEN_TTL)
        if n is None:
            log.debug("eviction of %d tags failed (redis unavailable); TTLs bound the staleness", len(tag_keys))
        elif n:
            self.stats.evicted(reason, n)
        if self.config.settle_seconds > 0:
            task = asyncio.get_running_loop().create_task(self._again(tag_keys, written, at, reason))
            self._later.add(task)
            task.add_done_callback(self._later.discard)
        return n

    def _remember(self, tags: Iterable[str], position: int | None) -> None:
        """Per tag, until when a fetch that started earlier may hold what the write replaced:
        (for stamped answers: writes whose position is unknown; for unstamped: any write)."""
        now = time.monotonic()
        if len(self._recent) > 10_000:
            # A fetch older than the horizon has timed out: what it might have raced is moot.
            self._recent = {t: u for t, u in self._recent.items() if u[1] > now - FETCH_HORIZON}
        until = now + self.config.settle_seconds
        for t in tags:
            blind = self._recent.get(t, (0.0, 0.0))[0]
            self._recent[t] = (until if position is None else blind, until)

    async def _again(self, tag_keys: list[str], written: list[str], at: str, reason: str) -> None:
        await asyncio.sleep(self.config.settle_seconds)
        n = await self.store.invalidate(tag_keys, written, at, WRITTEN_TTL)
        if n:
            self.stats.evicted(reason + "_settle", n)

    # ------------------------------------------------------------------ tokens this gateway issued
    def issued(self, position: int) -> None:
        """A mutation's token, handed to its client after its evictions succeeded: every entry
        left reflects that write (fills that read before it are refused), so a request carrying
        this token needs no bypass (`vouches`)."""
        now = time.monotonic()
        if len(self._issued) > 10_000:
            self._issued = {p: u for p, u in self._issued.items() if u > now}
        self._issued[position] = now + ISSUED_SECONDS

    def vouches(self, position: int) -> bool:
        until = self._issued.get(position)
        return until is not None and until > time.monotonic()

    def write_tags(
        self, type_name: str, key_values: list[object] | None, dependents: tuple[str, ...] | None = None,
        sets: frozenset[str] | None = None,
    ) -> set[str]:
        """What a write of one entity makes stale: the entity (the entries holding the fields
        `sets` names, when given), and its type's dependents."""
        tags = {"u:" + type_name}
        if key_values is None:
            tags.add("a:" + type_name)
        else:
            tags.update(own_tags(entity_tag(type_name, key_values), type_name, sets))
        for dep in self.config.dependents_of(type_name) if dependents is None else dependents:
            tags.add("l:" + dep)
            tags.add("t:" + dep)
        return tags

    async def close(self) -> None:
        for t in list(self._later):
            t.cancel()
        await asyncio.gather(*self._fills, *self._later, return_exceptions=True)


def own_tags(entity: str, type_name: str, sets: frozenset[str] | None) -> list[str]:
    """What a write of this entity makes stale of its own entries: all of them, or, when the
    write says which of its type's fields it can change, the entries holding one of those."""
    changed = [c.split(".", 1)[1] for c in sets if c.split(".", 1)[0] == type_name] if sets is not None else None
    if not changed:
        return [entity]
    return field_tags(entity, changed)


def mutation_tags(
    found: Iterable[str], config: EntityCacheConfig, dependents: tuple[str, ...] | None = None,
    sets: frozenset[str] | None = None,
) -> set[str]:
    """What a mutation's answer makes stale: each entity in it (all of its type when the answer
    lacks the key; only the entries holding the fields `sets` names, when it names its type's),
    and the dependents of each type it touched."""
    out: set[str] = set()
    for tag in found:
        kind, _, rest = tag.partition(":")
        if kind == "e":
            type_name = rest.split(":", 1)[0]
            out.update(own_tags(tag, type_name, sets))
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
