"""A deadline on reading request bodies that costs the common request (body already there) a
dict insert and removal, not a timer: one watchdog task per app cancels reads that overrun.

A client trickling its body (slowloris) is answered 408 between `timeout` and 1.5 x `timeout`
after it started sending, whatever it does meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class BodyDeadline:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.reading: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._watchdog: asyncio.Task[None] | None = None

    def begin(self, task: asyncio.Task[object]) -> None:
        """`task` starts reading a body (inlined by the hot path: a dict insert)."""
        self.reading[task] = time.monotonic()
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    def expired(self, task: asyncio.Task[object]) -> bool:
        """After a CancelledError while reading: whether the deadline caused it (then the
        cancellation is withdrawn and the caller answers 408) or the server did."""
        if task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.timeout / 2))
            now = time.monotonic()
            for task, started in list(self.reading.items()):
                if now - started > self.timeout:
                    del self.reading[task]
                    self._expired.add(task)
                    task.cancel()

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
