"""POST /graphql as a plain ASGI handler: the hot path, kept clear of framework layers.

Every query comes through here, so it reads only the headers it needs from the ASGI scope, reads
the body, runs the pipeline and sends the encoded answer: no request/response objects, no
middleware stack. Everything else the gateway serves goes through Starlette.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import orjson

from gateway.errors import (
    BAD_REQUEST,
    FAILED,
    INTERNAL_SERVER_ERROR,
    REFUSED,
    RequestError,
    error,
)
from gateway.http import negotiation
from gateway.http.deadline import BodyDeadline
from gateway.http.incremental import accepts_incremental, send_parts
from gateway.http.metrics import Metrics
from gateway.http.streaming import StreamingPost, wants_stream
from gateway.logs import bind_request
from gateway.pipeline import Gateway

log = logging.getLogger("charter.gateway.http")

Scope = MutableMapping[str, Any]  # an ASGI scope, as Starlette types it

_ACCEPTED_CONTENT_TYPES = (negotiation.JSON, negotiation.GRAPHQL_RESPONSE, "application/graphql+json")


class Headers(dict[str, str]):
    """The request headers the gateway reads or forwards, lower-cased (a plain dict: cheap)."""

    @classmethod
    def from_scope(cls, scope: Scope, wanted: frozenset[str]) -> Headers:
        h = cls()
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in wanted:
                h[name] = raw_value.decode("latin-1")
        return h


class GraphQLPost:
    def __init__(
        self, gateway: Gateway, metrics: Metrics, max_body_bytes: int, body_timeout: float = 10.0,
        streaming: StreamingPost | None = None,
    ) -> None:
        self.gateway = gateway
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.deadline = BodyDeadline(body_timeout)
        self.streaming = streaming
        self.wanted = frozenset(
            {"accept", "content-type", "content-length", gateway.auth_header, *gateway.config.forward_headers}
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        headers = Headers.from_scope(scope, self.wanted)
        accept = headers.get("accept", "")
        if self.streaming is not None:
            mode = wants_stream(accept)
            if mode is not None:
                await self._stream(scope, receive, send, headers, mode)
                return
        try:
            status, media_type, body, extra, latency = await self._handle(headers, receive, accepts_incremental(accept))
        except Exception as e:  # a bug costs this request only, answered as GraphQL
            log.exception("request failed: %s", e)
            status, media_type = 500, negotiation.JSON
            body = orjson.dumps({"errors": [error("Internal server error.", INTERNAL_SERVER_ERROR)]})
            extra = ()
            latency = self.metrics.stopped(FAILED)
        # For an incremental answer: the time to its first part (the rest streams after).
        latency.observe(time.perf_counter() - started)
        if not isinstance(body, bytes):  # @defer, and the client takes incremental delivery
            try:
                await send_parts(send, receive, body, extra)
            except Exception as e:  # after the response started, all we can do is end it
                log.exception("incremental response failed: %s", e)
            return
        response_headers = [
            (b"content-type", media_type.encode() + b"; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status == 405:
            response_headers.append((b"allow", b"GET, POST"))
        if extra:
            response_headers.extend(extra)
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, scope: Scope, receive: Any, send: Any, headers: Headers, mode: str) -> None:
        """SSE or multipart: subscriptions (and single results) as a streamed response."""
        assert self.streaming is not None
        body = await self._read_body(receive)
        if body is None:
            status, media_type, payload = self._fail(413, negotiation.JSON, "The request body is too large.")
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", media_type.encode() + b"; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ]})
            await send({"type": "http.response.body", "body": payload})
            return
        try:
            await self.streaming(scope, receive, send, headers, body, mode)
        except Exception as e:  # after the response started, all we can do is end it
            log.exception("streamed request failed: %s", e)

    async def _handle(
        self, headers: Headers, receive: Any, incremental: bool = False
    ) -> tuple[int, str, bytes | AsyncIterator[bytes], tuple[tuple[bytes, bytes], ...], Any]:
        """The answer, and the latency histogram child to observe it in (its outcome is counted);
        its body is the payloads of a multipart response when the operation defers fragments and
        the client accepts incremental delivery (`incremental`)."""
        media_type = negotiation.choose_media_type(headers.get("accept"))
        if media_type is None and incremental:
            media_type = negotiation.JSON  # errors (and operations without @defer) as plain JSON
        if media_type is None:
            return *self._fail(
                406,
                negotiation.JSON,
                "Not acceptable: this endpoint answers application/graphql-response+json or application/json.",
            ), (), self.metrics.operations.none
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _ACCEPTED_CONTENT_TYPES:
            return *self._fail(
                415, media_type, "Unsupported content type: POST a JSON body with Content-Type: application/json."
            ), (), self.metrics.operations.none
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return *self._fail(413, media_type, "The request body is too large."), (), self.metrics.operations.none
        # One deadline for the whole body: a client trickling bytes (slowloris) cannot hold the
        # connection and its buffers for longer than this.
        task = asyncio.current_task()
        assert task is not None
        deadline = self.deadline
        deadline.begin(task)
        try:
            body = await self._read_body(receive)
        except asyncio.CancelledError:
            if deadline.expired(task):
                return *self._fail(
                    408, media_type, f"The request body did not arrive within {self.body_timeout:g}s."
                ), (), self.metrics.operations.none
            raise
        finally:
            deadline.reading.pop(task, None)
        if body is None:
            return *self._fail(413, media_type, "The request body is too large."), (), self.metrics.operations.none
        try:
            request = negotiation.from_json_body(body)
        except RequestError as e:
            latency = self.metrics.stopped(REFUSED)
            return e.status, media_type, orjson.dumps({"errors": e.errors}), (), latency
        result = await self.gateway.run(request, headers, allow_mutation=True, incremental=incremental)
        if result.parts is not None:
            latency = self.metrics.answered(result.outcome, result.request_error, result.status, result.operation)
            return 200, media_type, result.parts, result.headers, latency
        latency = self.metrics.counted(result)
        status = negotiation.status_for(media_type, result.request_error, result.status, result.malformed)
        extra = result.headers
        if result.cache_control is not None:
            extra = (*extra, (b"cache-control", result.cache_control.encode()))
        return status, media_type, result.body, extra, latency

    async def _read_body(self, receive: Any) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _fail(self, status: int, media_type: str, message: str) -> tuple[int, str, bytes]:
        """Refused at the HTTP level (negotiation, size, deadline)."""
        self.metrics.stopped(REFUSED)
        return status, media_type, orjson.dumps({"errors": [error(message, BAD_REQUEST)]})


class Dispatch:
    """Sends POSTs to the GraphQL endpoint straight to `GraphQLPost` (and its WebSocket upgrades to
    the graphql-transport-ws handler); the rest to the app."""

    def __init__(self, app: Any, post: GraphQLPost, paths: frozenset[str], websocket: Any = None) -> None:
        self.app = app
        self.post = post
        self.paths = paths
        self.websocket = websocket  # ASGI handler for WebSocket upgrades on the GraphQL paths

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            bind_request(scope)  # lines logged while serving carry the request id
        if scope["type"] == "websocket" and self.websocket is not None and scope["path"] in self.paths:
            # Straight to the handler with the server's own `send` (see ws_direct).
            await self.websocket(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] in self.paths:
            method = scope["method"]
            if method == "POST":
                await self.post(scope, receive, send)
                return
            if method not in ("GET", "HEAD"):
                self.post.metrics.stopped(REFUSED)
                await self._method_not_allowed(send)
                return
        await self.app(scope, receive, send)

    async def _method_not_allowed(self, send: Any) -> None:
        body = orjson.dumps(
            {"errors": [error("Method not allowed: GraphQL is served over GET and POST.", "METHOD_NOT_ALLOWED")]}
        )
        await send(
            {
                "type": "http.response.start",
                "status": 405,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"allow", b"GET, POST"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
