"""GraphQL over WebSocket, the `graphql-transport-ws` protocol (graphql-ws's PROTOCOL.md).

connection_init (its payload carries auth: header-like keys, or a `headers` object, forwarded to
the subgraphs) within `init_timeout` else 4408; one init only (4429); nothing but ping/pong before
the ack (4401); a duplicate operation id is 4409; a malformed message 4400; a refused connection
4403; a failure of ours 4500. Subscriptions join shared streams; queries and mutations run once.
Each connection writes through one bounded buffer: a client that cannot keep up is closed (1013)
instead of growing memory or holding up the other clients of its streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import OperationType
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.errors import RequestError, error
from gateway.http.metrics import Metrics
from gateway.http.ws_direct import DirectWrite, direct_writer
from gateway.pipeline import GraphQLRequest
from gateway.subscriptions.hub import Encoded, Subscribed, SubscriptionHub

log = logging.getLogger("charter.gateway.ws")

PROTOCOL = "graphql-transport-ws"
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"


@dataclass(frozen=True)
class WsLimits:
    init_timeout: float = 10.0  # seconds to send connection_init
    max_subscriptions: int = 100  # active operations per connection
    max_connections_per_client: int = 1000  # open connections per client address
    max_buffered: int = 256  # messages queued for one connection before it is closed as too slow
    require_authorization: bool = False  # refuse (4403) a connection_init without an authorization


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _headers_from_init(payload: Any) -> dict[str, str]:
    """connection_init payloads differ by client: `{"Authorization": "..."}` or `{"headers": {...}}`."""
    out: dict[str, str] = {}
    if not isinstance(payload, dict):
        return out
    nested = payload.get("headers")
    for source in (payload, nested if isinstance(nested, dict) else {}):
        for k, v in source.items():
            if isinstance(k, str) and isinstance(v, str):
                out[k.lower()] = v
    return out


class _Sink:
    __slots__ = ("conn", "id", "prefix")

    def __init__(self, conn: _Connection, op_id: str) -> None:
        self.conn = conn
        self.id = op_id
        self.prefix = b'{"id":' + orjson.dumps(op_id) + b',"type":"next","payload":'

    def next(self, result: Encoded) -> bool:
        return self.conn.push_joined(self.prefix, result)

    def error(self, errors: list[dict[str, Any]]) -> None:
        if self.conn.ops.pop(self.id, None) is not None:
            self.conn.push(orjson.dumps({"id": self.id, "type": "error", "payload": errors}).decode())

    def complete(self) -> None:
        if self.conn.ops.pop(self.id, None) is not None:
            self.conn.push(orjson.dumps({"id": self.id, "type": "complete"}).decode())


class _Connection:
    def __init__(self, ws: WebSocket, server: GraphQLWebSocket, direct: DirectWrite | None) -> None:
        self.ws = ws
        self.server = server
        self.limits = server.limits
        self.direct = direct
        self.acked = False
        self.init_seen = False
        self.headers: dict[str, str] = {}
        self.ops: dict[str, Subscribed | asyncio.Task[None] | None] = {}
        self.out: deque[str] = deque()
        self.wake = asyncio.Event()
        self.writer: asyncio.Task[None] | None = None  # only while messages wait (back-pressure)
        self.closing: _Closed | None = None
        self.gone = False  # the client disconnected

    # ------------------------------------------------------------ writing
    def push(self, message: str) -> bool:
        """Write or queue `message`; False when it is dropped (closing, or the buffer is full)."""
        if self.closing is not None:
            return False
        idle = not self.out and (self.writer is None or self.writer.done())
        if idle and self.direct is not None and self.direct(message):
            return True  # written at once: the common case, no task and no buffer
        if len(self.out) >= self.limits.max_buffered:
            self.close(1013, "client too slow: its buffer is full")
            return False
        self.out.append(message)
        self._kick()
        return True

    def push_joined(self, prefix: bytes, result: Encoded) -> bool:
        """An event for one subscription: the stream's shared encoding inside this operation's
        `next` envelope, framed directly when the connection can take it now; False when dropped."""
        if self.closing is not None:
            return False
        idle = not self.out and (self.writer is None or self.writer.done())
        if idle and self.direct is not None and self.direct.joined(prefix, result.body, b"}"):
            return True
        return self.push(prefix.decode() + result.text + "}")

    def _kick(self) -> None:
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        else:
            self.wake.set()

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = _Closed(code, reason)
            self.out.clear()
            self.stop_all()  # leave the streams now, not when the socket finally drains
            self._kick()

    async def _write(self) -> None:
        """Drain the buffer through the awaited ASGI path (it waits while the client is slow),
        send the close frame when closing, and end when there is nothing left."""
        ws = self.ws
        while True:
            while self.out:
                await ws.send_text(self.out.popleft())
            if self.closing is not None:
                with contextlib.suppress(Exception):
                    await ws.close(self.closing.code, self.closing.reason)
                return
            if self.direct is not None:
                return  # later messages go direct again until the next back-pressure
            self.wake.clear()
            await self.wake.wait()

    # ------------------------------------------------------------ reading
    async def handle(self, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Closed(4400, "Invalid message received: not JSON") from None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise _Closed(4400, "Invalid message received: no type")
        kind = msg["type"]
        if kind == "connection_init":
            await self._init(msg.get("payload"))
        elif kind == "ping":
            self.push('{"type":"pong"}')
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            self._subscribe(msg)
        elif kind == "complete":
            op_id = msg.get("id")
            if not isinstance(op_id, str):
                raise _Closed(4400, "Invalid message received: complete without an id")
            self._stop(op_id)
        else:
            raise _Closed(4400, f'Invalid message received: unknown type "{kind}"')

    async def _init(self, payload: Any) -> None:
        if self.init_seen:
            raise _Closed(4429, "Too many initialisation requests")
        self.init_seen = True
        if payload is not None and not isinstance(payload, dict):
            raise _Closed(4400, "Invalid message received: connection_init payload must be an object")
        headers = dict(self.server.upgrade_headers(self.ws))
        headers.update(_headers_from_init(payload))
        if self.limits.require_authorization and not headers.get("authorization"):
            raise _Closed(4403, "Forbidden")
        self.headers = headers
        self.acked = True
        self.push('{"type":"connection_ack"}')

    def _subscribe(self, msg: dict[str, Any]) -> None:
        if not self.acked:
            raise _Closed(4401, "Unauthorized")
        op_id, payload = msg.get("id"), msg.get("payload")
        if not isinstance(op_id, str) or not op_id or not isinstance(payload, dict):
            raise _Closed(4400, "Invalid message received: subscribe needs an id and a payload")
        query, variables = payload.get("query"), payload.get("variables")
        name, extensions = payload.get("operationName"), payload.get("extensions")
        if (
            not isinstance(query, str)
            or not (variables is None or isinstance(variables, dict))
            or not (name is None or isinstance(name, str))
            or not (extensions is None or isinstance(extensions, dict))
        ):
            raise _Closed(4400, "Invalid message received: subscribe payload is not a GraphQL request")
        if op_id in self.ops:
            raise _Closed(4409, f"Subscriber for {op_id} already exists")
        if len(self.ops) >= self.limits.max_subscriptions:
            self.server.metrics.started(refused=True)
            self.push(orjson.dumps({"id": op_id, "type": "error", "payload": [error(
                f"Too many operations on this connection (limit {self.limits.max_subscriptions}).",
                TOO_MANY_SUBSCRIPTIONS,
            )]}).decode())
            return
        request = GraphQLRequest(query, name, variables, extensions)
        hub = self.server.hub
        try:
            kind = hub.operation_type(request)
            if kind == OperationType.SUBSCRIPTION:
                prepared = hub.prepare(request, self.headers)
                self.ops[op_id] = None  # reserved before the sink can report
                self.ops[op_id] = hub.subscribe(prepared, _Sink(self, op_id))
                self.server.metrics.started(refused=False)
                return
        except RequestError as e:
            self.ops.pop(op_id, None)
            self.server.metrics.started(refused=True)
            self.push(orjson.dumps({"id": op_id, "type": "error", "payload": e.errors}).decode())
            return
        self.ops[op_id] = asyncio.create_task(self._single(op_id, request))

    async def _single(self, op_id: str, request: GraphQLRequest) -> None:
        """A query or mutation over the socket: one `next` and `complete` (or `error`)."""
        started = time.perf_counter()
        result = await self.server.hub.gateway.run(request, self.headers, allow_mutation=True)
        self.server.metrics.counted(result).observe(time.perf_counter() - started)
        if op_id not in self.ops:
            return  # the client completed it meanwhile
        del self.ops[op_id]
        if result.request_error:
            errors = orjson.loads(result.body).get("errors") or []
            self.push(orjson.dumps({"id": op_id, "type": "error", "payload": errors}).decode())
            return
        self.push('{"id":' + orjson.dumps(op_id).decode() + ',"type":"next","payload":' + result.body.decode() + "}")
        self.push(orjson.dumps({"id": op_id, "type": "complete"}).decode())

    def _stop(self, op_id: str) -> None:
        op = self.ops.pop(op_id, None)
        if isinstance(op, Subscribed):
            op.close()
        elif isinstance(op, asyncio.Task):
            op.cancel()

    def stop_all(self) -> None:
        for op_id in list(self.ops):
            self._stop(op_id)


class GraphQLWebSocket:
    """The `/graphql` WebSocket endpoint."""

    def __init__(
        self, hub: SubscriptionHub, limits: WsLimits, forward_headers: tuple[str, ...], metrics: Metrics
    ) -> None:
        self.hub = hub
        self.limits = limits
        self.forward_headers = forward_headers
        self.metrics = metrics
        self.per_client: dict[str, int] = {}

    def upgrade_headers(self, ws: WebSocket) -> dict[str, str]:
        """Forwardable headers of the upgrade request (browsers cannot set them; other clients can)."""
        return {k: ws.headers[k] for k in self.forward_headers if k in ws.headers}

    async def asgi(self, scope: Any, receive: Any, send: Any) -> None:
        """The ASGI entry (called by the dispatcher with the server's own `send`)."""
        await self.serve(WebSocket(scope, receive, send), direct_writer(send))

    async def serve(self, ws: WebSocket, direct: DirectWrite | None = None) -> None:
        if PROTOCOL not in ws.scope.get("subprotocols", ()):
            await ws.accept()
            await ws.close(4406, "Subprotocol not acceptable")
            return
        client = ws.client.host if ws.client else "?"
        if self.per_client.get(client, 0) >= self.limits.max_connections_per_client:
            await ws.accept(subprotocol=PROTOCOL)
            await ws.close(1013, "Too many connections from this client")
            return
        self.per_client[client] = self.per_client.get(client, 0) + 1
        conn = _Connection(ws, self, direct)
        try:
            await ws.accept(subprotocol=PROTOCOL)
            await self._read(conn, ws)
        finally:
            conn.stop_all()
            count = self.per_client.get(client, 1) - 1
            if count:
                self.per_client[client] = count
            else:
                self.per_client.pop(client, None)
            writer = conn.writer
            if writer is not None and not writer.done():
                if conn.gone or conn.closing is None:
                    writer.cancel()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(writer, 5)  # flushes, then sends the close frame
            conn.closing = conn.closing or _Closed(1000, "gone")  # later pushes are dropped

    async def _read(self, conn: _Connection, ws: WebSocket) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.init_timeout
        while conn.closing is None:
            timeout = None if conn.init_seen else max(0.0, deadline - loop.time())
            try:
                message = await asyncio.wait_for(ws.receive(), timeout)
            except TimeoutError:
                conn.close(4408, "Connection initialisation timeout")
                return
            if message["type"] == "websocket.disconnect":
                conn.gone = True
                return
            raw = message.get("text") if message.get("text") is not None else message.get("bytes")
            try:
                await conn.handle(raw or "")
            except _Closed as c:
                conn.close(c.code, c.reason)
                return
            except WebSocketDisconnect:
                return
            except Exception:  # a bug closes this connection with the protocol's code, nothing more
                log.exception("graphql-transport-ws connection failed")
                conn.close(4500, "Internal server error")
                return
