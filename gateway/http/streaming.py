"""Subscriptions (and single results) over streaming HTTP responses on POST /graphql.

- `Accept: text/event-stream`: graphql-sse's distinct-connections mode, one operation per
  request; events `next` (an ExecutionResult) and `complete`; a comment line as keep-alive.
- `Accept: multipart/mixed;subscriptionSpec=1.0` (Apollo Client, Apollo Router): parts of
  `{"payload": result}`, a `{}` heartbeat part every few seconds, `{"payload": null, "errors"}`
  when the stream fails, the closing boundary when it ends.

Request errors (parse, validation, variables) are a plain GraphQL JSON response with status 400
before any stream starts; over SSE (as graphql-sse's own server does) a `next` with the errors,
then `complete`. The client disconnecting ends its subscription.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import MutableMapping
from typing import Any

import orjson
from graphql import OperationType

from gateway.errors import FAILED, RequestError, error
from gateway.http import negotiation
from gateway.http.metrics import Metrics
from gateway.pipeline import GraphQLRequest
from gateway.subscriptions.hub import Encoded, SubscriptionHub

Scope = MutableMapping[str, Any]  # an ASGI scope, as Starlette types it
HEARTBEAT_SECONDS = 5.0
SSE_KEEPALIVE_SECONDS = 12.0
MAX_BUFFERED = 256


def wants_stream(accept: str) -> str | None:
    """"sse", "multipart" or None for a request's Accept header (cheap: on the POST hot path)."""
    if "text/event-stream" in accept:
        return "sse"
    if "subscriptionSpec" in accept:
        return "multipart"
    return None


class _Framing:
    content_type: bytes
    heartbeat: bytes
    interval: float

    def next(self, body: bytes) -> bytes:
        raise NotImplementedError

    def failed(self, errors: list[dict[str, Any]]) -> bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        raise NotImplementedError


class _Sse(_Framing):
    content_type = b"text/event-stream; charset=utf-8"
    heartbeat = b":\n\n"
    interval = SSE_KEEPALIVE_SECONDS

    def next(self, body: bytes) -> bytes:
        return b"event: next\ndata: " + body + b"\n\n"

    def failed(self, errors: list[dict[str, Any]]) -> bytes:
        return self.next(orjson.dumps({"errors": errors})) + self.end()

    def end(self) -> bytes:
        return b"event: complete\ndata: \n\n"


class _Multipart(_Framing):
    content_type = b'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
    interval = HEARTBEAT_SECONDS
    _part = b"\r\n--graphql\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
    heartbeat = _part + b"{}"

    def next(self, body: bytes) -> bytes:
        return self._part + b'{"payload":' + body + b"}"

    def failed(self, errors: list[dict[str, Any]]) -> bytes:
        return self._part + orjson.dumps({"payload": None, "errors": errors}) + self.end()

    def end(self) -> bytes:
        return b"\r\n--graphql--\r\n"


class _HttpSink:
    """Buffers a stream's results for one response; past MAX_BUFFERED the client is too slow and
    its response ends with an error."""

    def __init__(self, framing: _Framing) -> None:
        self.framing = framing
        self.out: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.done = False

    def _put(self, chunk: bytes, last: bool = False) -> None:
        if self.done:
            return
        self.out.append(chunk)
        self.done = last
        self.wake.set()

    def next(self, result: Encoded) -> bool:
        if self.done:
            return False
        if len(self.out) >= MAX_BUFFERED:
            self.out.clear()
            self._put(self.framing.failed([error("The client is too slow: its buffer is full.", "CLIENT_TOO_SLOW")]), True)
            return False
        self._put(self.framing.next(result.body))
        return True

    def error(self, errors: list[dict[str, Any]]) -> None:
        self._put(self.framing.failed(errors), True)

    def complete(self) -> None:
        self._put(self.framing.end(), True)


class StreamingPost:
    def __init__(self, hub: SubscriptionHub, metrics: Metrics) -> None:
        self.hub = hub
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any, headers: dict[str, str], body: bytes, mode: str) -> None:
        framing: _Framing = _Sse() if mode == "sse" else _Multipart()
        try:
            request = negotiation.from_json_body(body)
        except RequestError as e:
            self.metrics.started(refused=True)
            await _json(send, 400, {"errors": e.errors})
            return
        try:
            kind = self.hub.operation_type(request)
            if kind == OperationType.SUBSCRIPTION:
                prepared = self.hub.prepare(request, headers)
            else:
                prepared = None
        except Exception as e:  # a bug of ours, before the stream: a GraphQL 500, never a hang
            if not isinstance(e, RequestError):
                self.metrics.stopped(FAILED)
                await _json(send, 500, {"errors": [error("Internal server error.", "INTERNAL_SERVER_ERROR")]})
                raise
            self.metrics.started(refused=True)
            if mode != "sse":
                await _json(send, 400, {"errors": e.errors})
                return
            # graphql-sse reports document and variable errors inside the event stream, so the
            # EventSource-style client reads them as a result instead of a failed connection.
            await _start(send, framing)
            await send({"type": "http.response.body", "body": framing.failed(e.errors)})
            return
        await _start(send, framing)
        sink = _HttpSink(framing)
        handle = None
        single = None
        if prepared is not None:
            handle = self.hub.subscribe(prepared, sink)
            self.metrics.started(refused=False)
        else:
            single = asyncio.create_task(self._single(request, headers, sink))
        disconnected = asyncio.create_task(_wait_disconnect(receive))
        try:
            await self._pump(send, sink, framing, disconnected)
        finally:
            disconnected.cancel()
            if handle is not None:
                handle.close()
            if single is not None and not single.done():
                single.cancel()

    async def _single(self, request: GraphQLRequest, headers: dict[str, str], sink: _HttpSink) -> None:
        started = time.perf_counter()
        result = await self.hub.gateway.run(request, headers, allow_mutation=True)
        self.metrics.counted(result).observe(time.perf_counter() - started)
        sink._put(sink.framing.next(result.body))
        sink.complete()

    async def _pump(self, send: Any, sink: _HttpSink, framing: _Framing, disconnected: asyncio.Task[None]) -> None:
        while True:
            waiter = asyncio.create_task(sink.wake.wait())
            done, _ = await asyncio.wait({waiter, disconnected}, timeout=framing.interval, return_when=asyncio.FIRST_COMPLETED)
            if disconnected in done:
                waiter.cancel()
                return
            if waiter not in done:
                waiter.cancel()
                await send({"type": "http.response.body", "body": framing.heartbeat, "more_body": True})
                continue
            sink.wake.clear()
            chunks = b"".join(sink.out)
            sink.out.clear()
            last = sink.done
            await send({"type": "http.response.body", "body": chunks, "more_body": not last})
            if last:
                return


async def _start(send: Any, framing: _Framing) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", framing.content_type),
        (b"cache-control", b"no-cache"),
        (b"x-accel-buffering", b"no"),
    ]})


async def _wait_disconnect(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _json(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
