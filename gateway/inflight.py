"""Identical concurrent work done once: the first caller computes, callers with the same key that
arrive meanwhile await its result (or its exception). Used for inbound query deduplication,
subgraph fetch deduplication and shared plan-cache misses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class InFlight(Generic[V]):
    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        pending = self._pending.get(key)
        if pending is not None:
            # shield: one waiter giving up (client gone) must not cancel the others' result
            return await asyncio.shield(pending)
        fut: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            result = await compute()
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()  # marked retrieved: there may be no other waiter to see it
            raise
        else:
            fut.set_result(result)
            return result
        finally:
            del self._pending[key]
