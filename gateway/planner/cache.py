"""The plan cache: a plan is computed once per key, LRU-bounded.

The key is an explicit value: (document hash, operation name, @skip/@include condition values,
progressive-override labels). One cache belongs to one schema, so a schema swap starts a new cache
and never serves a plan made for another schema. Concurrent misses for one key share one
computation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from gateway.inflight import InFlight
from gateway.lru import LRU

V = TypeVar("V")


class PlanCache(Generic[V]):
    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._entries: LRU[Hashable, V] = LRU(size)
        self._inflight: InFlight[V] = InFlight()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> list[V]:
        return [value for _, value in self._entries.snapshot()]

    def items(self) -> list[tuple[Hashable, V]]:
        return self._entries.snapshot()

    def clear(self) -> None:
        self._entries.clear()

    def peek(self, key: Hashable) -> V | None:
        try:
            entry = self._entries[key]
        except KeyError:
            return None
        self.hits += 1
        return entry

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """Synchronous path: planning is CPU work on the event loop, so no other request can
        start the same computation while this one runs."""
        try:
            entry = self._entries[key]  # not through peek(): a hit is one call fewer
        except KeyError:
            self.misses += 1
            value = compute()
            self.put(key, value)
            return value
        self.hits += 1
        return entry

    async def get_or_compute_async(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        """For computations that await (a second-level cache, planning off the loop): the first
        miss computes, concurrent misses for the same key wait for its result."""
        entry = self.peek(key)
        if entry is not None:
            return entry

        async def miss() -> V:
            self.misses += 1
            value = await compute()
            self.put(key, value)
            return value

        return await self._inflight.run(key, miss)
