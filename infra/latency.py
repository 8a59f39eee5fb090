"""A user-space latency-injecting TCP proxy: these machines have no kernel netem, so traffic
between two "regions" on one host goes through one of these, which holds every chunk for half the
pair's round-trip time in each direction (so a request/response pays the full RTT, plus TCP's
own round trips on a fresh connection, as it would between data centres).

Order and backpressure are kept: each direction is a queue of (due time, bytes) drained by one
writer; reading pauses when the writer has `max_buffered` bytes in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("charter.latency")

_CHUNK = 65536


class LatencyProxy:
    def __init__(
        self, target_host: str, target_port: int, rtt_ms: float, *, host: str = "127.0.0.1",
        port: int = 0, max_buffered: int = 4 * 1024 * 1024,
    ) -> None:
        self.target = (target_host, target_port)
        self.delay = rtt_ms / 2000.0  # one way, in seconds
        self.rtt_ms = rtt_ms
        self.host = host
        self.port = port
        self.max_buffered = max_buffered
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = asyncio.create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        me = asyncio.current_task()
        if me is not None:  # so stop() ends connections still in their handshake
            self._tasks.add(me)
        try:
            # The connect itself crosses the "ocean" too: one RTT for the handshake.
            await asyncio.sleep(2 * self.delay)
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()  # like a refused connection on the far side
            return
        except asyncio.CancelledError:
            # stop() ended it mid-handshake. It must not end cancelled: asyncio's server callback
            # calls exception() on this task, which re-raises and prints a traceback per connection.
            client_w.close()
            return
        finally:
            if me is not None:
                self._tasks.discard(me)
        self._spawn(lambda: self._pipe(client_r, upstream_w))
        self._spawn(lambda: self._pipe(upstream_r, client_w))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        room = asyncio.Semaphore(max(1, self.max_buffered // _CHUNK))
        reading = asyncio.current_task()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        if writer.can_write_eof():
                            writer.write_eof()
                    return
                try:
                    writer.write(data)
                    room.release()
                    await writer.drain()
                except OSError:
                    # The far side is gone (reset). The pipe ends here, quietly: a sender that
                    # ended in an exception nobody awaits (stop() cancels the reader first) is
                    # printed as "Task exception was never retrieved" when charter up stops.
                    if reading is not None:
                        reading.cancel()
                    return

        sender = asyncio.create_task(deliver())
        try:
            while True:
                await room.acquire()
                data = await reader.read(_CHUNK)
                queue.put_nowait((loop.time() + self.delay, data))
                if not data:
                    break
            await sender
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if not sender.done():
                sender.cancel()
            writer.close()
