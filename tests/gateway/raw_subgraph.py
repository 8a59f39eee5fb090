"""A subgraph that writes raw bytes: HTTP framing no HTTP server library would send.

One asyncio server (`asyncio.start_server`, in a thread of its own so the synchronous tests and
the `charter gateway` process can both talk to it) serves the fuzz pair's two services
(bench/fuzz/subgraph.py): `/catalog` and `/pricing`. Every request gets a well-formed HTTP/1.1
answer, except the catalog's `items` fetches, which get `Script.reply` byte for byte. It records
how each connection is used, so a test can tell whether the gateway sent anything more on a
connection after a broken answer.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.fuzz.subgraph import write_supergraph

ITEMS = {"data": {"items": [{"__typename": "Item", "id": "1", "name": "one", "count": 2}]}}
ITEM = {"data": {"item": {"__typename": "Item", "id": "1", "name": "one"}}}
ENTITIES = {"data": {"_entities": [{"__typename": "Item", "price": 1.5, "tags": ["a"], "child": None}]}}


def response(body: bytes, status: str = "200 OK", headers: str = "", length: bool = True) -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}"
    if length:
        head += f"content-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


GOOD_ITEMS = response(orjson.dumps(ITEMS))
LATER = 0.3  # seconds after an answer that `Script.later` follows it


@dataclass
class Script:
    """What an `items` fetch is answered: `reply`, then `rest` once `reply` has left (a second
    segment), `later` when the gateway has long read the answer (the connection idle in its pool),
    then the connection is kept for more requests, closed, or held open and silent."""

    reply: bytes
    rest: bytes = b""
    later: bytes = b""
    then: str = "keep"  # keep | close | hold
    reusable: bool = False  # valid HTTP/1.1 keep-alive: the gateway may send more on the connection


class RawSubgraph:
    def __init__(self) -> None:
        self.script = Script(GOOD_ITEMS, reusable=True)
        self.items_received = threading.Event()  # an `items` fetch arrived (set per fetch, cleared by tests)
        self.reused_after_bad = 0  # requests that arrived on a connection after an answer not `reusable`
        self.requests = 0
        self.later_sent = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="raw-subgraph", daemon=True)
        self.port = 0

    def __enter__(self) -> RawSubgraph:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def write_supergraph(self, path: Path) -> Path:
        return write_supergraph(self.url(""), path)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        poisoned = False  # a broken answer went out on this connection
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                path, length = _request_line(head)
                body = await reader.readexactly(length)
                self.requests += 1
                if poisoned:
                    self.reused_after_bad += 1
                if path == "/catalog" and b"items" in body:
                    script = self.script
                    self.items_received.set()
                    writer.write(script.reply)
                    await writer.drain()
                    if script.rest:
                        writer.write(script.rest)
                        await writer.drain()
                    if script.later:
                        await asyncio.sleep(LATER)  # what it stands for: bytes sent well after the answer
                        writer.write(script.later)
                        await writer.drain()
                        self.later_sent.set()
                    if script.then == "close":
                        return
                    if script.then == "hold":
                        assert self._stop is not None
                        await self._stop.wait()
                        return
                    poisoned = not script.reusable
                    continue
                answer = ITEM if path == "/catalog" else ENTITIES
                writer.write(response(orjson.dumps(answer)))
                await writer.drain()
        except ConnectionError:
            return
        finally:
            writer.close()


def _request_line(head: bytes) -> tuple[str, int]:
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return path, length
