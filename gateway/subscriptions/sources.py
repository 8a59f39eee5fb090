"""Where a subscription's events come from: NATS subjects the gateway reads itself, or an upstream
subgraph speaking graphql-transport-ws. Either yields the primary fetch's response per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import orjson
from cachetools import FIFOCache

from gateway.errors import error
from gateway.subscriptions.jetstream import JetStreamFeeds, Listener
from gateway.telemetry import events, setup

log = logging.getLogger("charter.gateway.subscriptions")

Event = tuple[dict[str, Any] | None, list[dict[str, Any]]]  # (data, errors) of the primary fetch
SOURCE_QUEUE = 10_000  # events read from NATS and not yet processed, per stream: beyond, drop oldest
DEDUP_WINDOW = 8_192  # recent Nats-Msg-Id values remembered per subscription


class SourceError(Exception):
    """The event source failed for good (NATS unreachable, upstream closed with an error)."""

    def __init__(self, message: str, code: str = "SUBSCRIPTION_SOURCE_FAILED") -> None:
        super().__init__(message)
        self.errors = [error(message, code)]


class NatsProviders:
    """One NATS connection per provider id, opened on first use and shared by every stream."""

    def __init__(self, urls: Mapping[str, str]) -> None:
        self.urls = dict(urls)
        self._clients: dict[str, Any] = {}
        self._feeds: dict[str, JetStreamFeeds] = {}
        self._lock = asyncio.Lock()

    async def client(self, provider: str) -> Any:
        import nats

        async with self._lock:
            nc = self._clients.get(provider)
            if nc is not None and not nc.is_closed:
                return nc
            url = self.urls.get(provider)
            if url is None:
                raise SourceError(f'no NATS server is configured for event provider "{provider}" (--nats-url)')
            try:
                nc = await nats.connect(
                    url, name="charter-gateway", max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                    connect_timeout=3, allow_reconnect=True,
                )
            except Exception as e:
                raise SourceError(f'cannot reach NATS for event provider "{provider}": {e}') from e
            self._clients[provider] = nc
            return nc

    async def feeds(self, provider: str) -> JetStreamFeeds:
        nc = await self.client(provider)
        feeds = self._feeds.get(provider)
        if feeds is None or feeds.nc is not nc:
            feeds = self._feeds[provider] = JetStreamFeeds(nc)
        return feeds

    async def events(
        self, provider: str, subjects: tuple[str, ...], root_key: str, build: Any, ready: Callable[[], None]
    ) -> AsyncIterator[Event]:
        """The events published on the subjects from now on (deliver-new), each once.

        Subjects a JetStream stream stores are read through that stream's shared ordered consumer,
        which resumes after a lost connection without losing what was stored meanwhile; others
        (a publisher without JetStream) through a core subscription. Either way a retried publish
        with the same Nats-Msg-Id is dropped here too."""
        nc = await self.client(provider)
        feeds = await self.feeds(provider)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        seen: FIFOCache[str, None] = FIFOCache(DEDUP_WINDOW)  # the last ids seen, oldest out first

        def accept(msg: Any) -> None:
            msg_id = (msg.headers or {}).get("Nats-Msg-Id")
            if msg_id:
                if msg_id in seen:
                    return
                seen[msg_id] = None
            if queue.qsize() >= SOURCE_QUEUE:
                queue.get_nowait()  # a stalled stream loses its oldest events, never memory
                log.warning("subscription on %s is behind: dropped an event", msg.subject)
            queue.put_nowait(msg)

        async def on_core(msg: Any) -> None:
            accept(msg)

        by_stream: dict[str, list[str]] = {}
        core: list[str] = []
        for s in subjects:
            stream = await feeds.stream_of(s)
            (by_stream.setdefault(stream, []) if stream else core).append(s)
        listeners: list[tuple[str, Listener]] = []
        subs: list[Any] = []
        try:
            for stream, patterns in by_stream.items():
                listener = Listener(tuple(patterns), accept)
                await feeds.listen(stream, listener)
                listeners.append((stream, listener))
            subs = [await nc.subscribe(s, cb=on_core) for s in core]
            if subs:
                await nc.flush(timeout=5)  # the server has the subscriptions: events from now on arrive
            ready()
            tracer = setup.tracer()
            while True:
                msg = await queue.get()
                try:
                    payload = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    yield None, [error("An event on the stream is not JSON; skipped.", "EVENT_MALFORMED")]
                    continue
                if not isinstance(payload, dict):
                    yield None, [error("An event on the stream is not a JSON object; skipped.", "EVENT_MALFORMED")]
                    continue
                if tracer is None:
                    yield {root_key: build(payload)}, []
                    continue
                # Current while the consumer resolves this event (an async generator runs in
                # its consumer's context), so its subgraph fetches are the span's children.
                span, token = events.begin(tracer, msg.subject, msg.headers)
                try:
                    yield {root_key: build(payload)}, []
                finally:
                    events.end(span, token)
        finally:
            for stream, listener in listeners:
                with contextlib.suppress(Exception):
                    await feeds.unlisten(stream, listener)
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def close(self) -> None:
        for nc in self._clients.values():
            with contextlib.suppress(Exception):
                await nc.drain()
        self._clients.clear()
        self._feeds.clear()


async def upstream_ws(
    session: aiohttp.ClientSession,
    url: str,
    operation: str,
    operation_name: str | None,
    variables: dict[str, Any],
    headers: Mapping[str, str],
    ready: Callable[[], None],
    init_timeout: float = 10.0,
) -> AsyncIterator[Event]:
    """One graphql-transport-ws connection to the subgraph for this stream: connection_init (the
    forwarded headers as its payload, as most servers read auth there), subscribe, then each `next`."""
    ws_url = "ws" + url[4:] if url.startswith("http") else url
    try:
        ws = await session.ws_connect(
            ws_url, protocols=("graphql-transport-ws",), headers=dict(headers), heartbeat=None, autoping=True
        )
    except Exception as e:
        raise SourceError(f"cannot open a WebSocket to the subgraph at {url}: {e}") from e
    try:
        await ws.send_str(orjson.dumps({"type": "connection_init", "payload": dict(headers)}).decode())
        try:
            async with asyncio.timeout(init_timeout):
                while True:
                    msg = await ws.receive()
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        raise SourceError(f"the subgraph at {url} closed during connection_init ({ws.close_code})")
                    if orjson.loads(msg.data).get("type") == "connection_ack":
                        break
        except TimeoutError as e:
            raise SourceError(f"the subgraph at {url} did not acknowledge connection_init") from e
        payload: dict[str, Any] = {"query": operation, "variables": variables}
        if operation_name:
            payload["operationName"] = operation_name
        await ws.send_str(orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode())
        ready()
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            try:
                m = orjson.loads(msg.data)
            except orjson.JSONDecodeError:
                continue
            kind = m.get("type")
            if kind == "ping":
                await ws.send_str('{"type":"pong"}')
            elif kind == "next" and m.get("id") == "1":
                result = m.get("payload") or {}
                data = result.get("data")
                errors = [e for e in result.get("errors") or () if isinstance(e, dict)]
                yield (data if isinstance(data, dict) else None), errors
            elif kind == "error" and m.get("id") == "1":
                raise SourceError(
                    "; ".join(str(e.get("message")) for e in m.get("payload") or () if isinstance(e, dict))
                    or "the subgraph rejected the subscription", "SUBGRAPH_SUBSCRIPTION_ERROR",
                )
            elif kind == "complete" and m.get("id") == "1":
                return
        if ws.close_code not in (None, 1000):
            raise SourceError(f"the subgraph at {url} closed the subscription ({ws.close_code})")
    finally:
        if not ws.closed:
            with contextlib.suppress(Exception):
                await ws.send_str('{"id":"1","type":"complete"}')
                await ws.close()
