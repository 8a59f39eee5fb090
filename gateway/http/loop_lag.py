"""Event-loop lag: how late a timer fires. A loop busy with CPU work (planning, encoding, a
blocking call) delays every request it holds, which latency per request does not show by itself.

One timer every `interval` seconds: it sleeps, then observes how much later than asked it woke.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol


class LagObserver(Protocol):
    def observe(self, amount: float) -> None: ...


class LoopLagMonitor:
    def __init__(self, observer: LagObserver, interval: float = 0.5) -> None:
        self.observer = observer
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._waiters: list[asyncio.Future[float]] = []

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            lag = max(loop.time() - asked, 0.0)
            self.observer.observe(lag)
            if self._waiters:
                waiters, self._waiters = self._waiters, []
                for w in waiters:
                    if not w.done():
                        w.set_result(lag)

    async def next_round(self) -> float:
        """The lag of the next observation, once it is made (tests, tools; bound it with a timeout)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return await waiter
