"""The plan cache: a plan is computed once per key, LRU-bounded.

The key is an explicit value: (document hash, operation name, @skip/@include condition values,
progressive-override labels). One cache belongs to one schema, so a schema swap starts a new cache
and never serves a plan made for another schema. Concurrent misses for one key share one
computation.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class PlanCache(Generic[V]):
    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Future[V]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return entry

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """Synchronous path: planning is CPU work on the event loop, so no other request can
        start the same computation while this one runs."""
        entry = self.peek(key)
        if entry is not None:
            return entry
        self.misses += 1
        value = compute()
        self.put(key, value)
        return value

    async def get_or_compute_async(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        """For computations that await (a second-level cache, planning off the loop): the first
        miss computes, concurrent misses for the same key wait for its result."""
        entry = self.peek(key)
        if entry is not None:
            return entry
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        self.misses += 1
        fut: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            value = await compute()
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()
            raise
        finally:
            self._inflight.pop(key, None)
        self.put(key, value)
        fut.set_result(value)
        return value
