"""The multipart writer for incremental delivery on its own (ASGI send/receive, no server): which
Accept headers take it, the exact bytes, and a client leaving mid-response."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from gateway.http.incremental import accepts_incremental, send_parts

PART = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"


def test_which_accept_headers_take_incremental_delivery() -> None:
    assert accepts_incremental("multipart/mixed;deferSpec=20220824,application/json")  # Apollo Client
    assert accepts_incremental('Multipart/Mixed; deferSpec="20220824"')
    assert accepts_incremental("application/json, multipart/mixed; boundary=graphql; deferSpec=20220824; q=0.5")
    assert not accepts_incremental("multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json")
    assert not accepts_incremental("multipart/mixed;deferSpec=20220824;q=0")
    assert not accepts_incremental("multipart/mixed;deferSpec=20230621")  # a later format we do not speak
    assert not accepts_incremental("application/json;deferSpec=20220824")
    assert not accepts_incremental("")


class Asgi:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.leave = asyncio.Event()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def receive(self) -> dict[str, Any]:
        await self.leave.wait()
        return {"type": "http.disconnect"}


async def test_each_part_is_followed_by_the_delimiter_and_the_body_closes() -> None:
    asgi = Asgi()

    async def parts() -> AsyncIterator[bytes]:
        yield b'{"data":{},"hasNext":true}'
        yield b'{"incremental":[],"hasNext":false}'

    await send_parts(asgi.send, asgi.receive, parts(), ((b"x-charter-read-source", b"replica"),))
    start, *bodies = asgi.sent
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert headers[b"content-type"] == b'multipart/mixed;boundary="graphql";deferSpec=20220824'
    assert headers[b"x-charter-read-source"] == b"replica"
    chunks = [b["body"] for b in bodies]
    # A part is complete as soon as its chunk arrives: the delimiter after it is in the same chunk.
    assert chunks[0] == b"\r\n--graphql" + PART + b'{"data":{},"hasNext":true}' + b"\r\n--graphql"
    assert chunks[1] == PART + b'{"incremental":[],"hasNext":false}' + b"\r\n--graphql"
    assert chunks[2] == b"--\r\n"
    assert [b["more_body"] for b in bodies] == [True, True, False]


async def test_a_client_leaving_closes_the_payloads() -> None:
    asgi = Asgi()
    closed = asyncio.Event()
    blocked = asyncio.Event()

    async def parts() -> AsyncIterator[bytes]:
        try:
            yield b'{"data":{},"hasNext":true}'
            blocked.set()
            await asyncio.Event().wait()  # a deferred part that never completes
            yield b"never"
        finally:
            closed.set()

    writer = asyncio.create_task(send_parts(asgi.send, asgi.receive, parts()))
    await blocked.wait()
    asgi.leave.set()
    await asyncio.wait_for(writer, 5)
    assert closed.is_set()
    bodies = [m for m in asgi.sent if m["type"] == "http.response.body"]
    assert len(bodies) == 1  # the first payload, then nothing: the client is gone
