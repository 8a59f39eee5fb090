"""The plan cache's second level, in Redis: plans survive restarts and are shared by every
gateway process (and worker) serving the same schema.

An entry is keyed by schema id + a hash of the in-process plan key (document hash, operation
name, @skip/@include values, override labels), and holds the plan as JSON together with what it
was planned from (document text, operation name, condition variables, labels): enough for a new
process to re-prime its in-process cache at startup with the hottest operations, which a sorted
set per schema ranks by use (flushed periodically from in-process counts, one pipeline).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Hashable
from typing import Any

import orjson

from gateway.cache.redis_store import RedisStore
from gateway.cache.stats import CacheStats, NullStats

log = logging.getLogger("charter.gateway.cache.plans")

PLAN_TTL = 7 * 24 * 3600
HOT_KEPT = 1000


def plan_digest(key: Hashable) -> str:
    """A stable text for the in-process key (tuples of str/bool/frozenset, and the access key:
    a dataclass of those)."""

    def norm(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {f.name: norm(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, frozenset | set):
            return sorted(norm(x) for x in v)
        if isinstance(v, tuple | list):
            return [norm(x) for x in v]
        return v

    return hashlib.sha256(orjson.dumps(norm(key))).hexdigest()[:32]


class PlanStore:
    def __init__(self, store: RedisStore, namespace: str = "charter:", stats: CacheStats | None = None) -> None:
        self.store = store
        self.namespace = namespace
        self.stats: CacheStats = stats or NullStats()
        self._writes: set[asyncio.Task[Any]] = set()

    def _key(self, schema_id: str, digest: str) -> str:
        return f"{self.namespace}plan:{schema_id}:{digest}"

    def _hot(self, schema_id: str) -> str:
        return f"{self.namespace}plan-hot:{schema_id}"

    async def get(self, schema_id: str, digest: str) -> dict[str, Any] | None:
        ok, raw = await self.store.call(lambda c: c.get(self._key(schema_id, digest)))
        if not ok:
            self.stats.request("plan", "error")
            return None
        if raw is None:
            self.stats.request("plan", "miss")
            return None
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self.stats.request("plan", "error")
            return None
        self.stats.request("plan", "hit")
        return value if isinstance(value, dict) else None

    def put(self, schema_id: str, digest: str, payload: dict[str, Any]) -> None:
        """Store in the background; the request that planned does not wait for Redis."""
        key, hot, raw = self._key(schema_id, digest), self._hot(schema_id), orjson.dumps(payload)

        async def write(c: Any) -> None:
            pipe = c.pipeline(transaction=False)
            pipe.set(key, raw, ex=PLAN_TTL)
            pipe.zincrby(hot, 1, digest)
            pipe.zremrangebyrank(hot, 0, -HOT_KEPT - 1)  # the ranking keeps the most used only
            pipe.expire(hot, PLAN_TTL)
            await pipe.execute()

        self._spawn(self.store.call(write))

    def record_use(self, schema_id: str, uses: dict[str, int]) -> None:
        """Add in-process use counts to the schema's ranking."""
        if not uses:
            return
        hot = self._hot(schema_id)

        async def write(c: Any) -> None:
            pipe = c.pipeline(transaction=False)
            for digest, n in uses.items():
                pipe.zincrby(hot, n, digest)
            pipe.expire(hot, PLAN_TTL)
            await pipe.execute()

        self._spawn(self.store.call(write))

    async def hottest(self, schema_id: str, n: int) -> list[tuple[str, dict[str, Any]]]:
        """The `n` most used plans of a schema, with their payloads (one ZREVRANGE, one MGET)."""
        ok, digests = await self.store.call(lambda c: c.zrevrange(self._hot(schema_id), 0, n - 1))
        if not ok or not digests:
            return []
        names = [d.decode() for d in digests]
        values = await self.store.mget([self._key(schema_id, d) for d in names])
        out = []
        for d, raw in zip(names, values or [], strict=False):
            if raw is not None:
                try:
                    out.append((d, orjson.loads(raw)))
                except orjson.JSONDecodeError:
                    continue
        return out

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def drain(self) -> None:
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
