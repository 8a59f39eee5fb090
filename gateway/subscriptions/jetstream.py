"""Event-driven subscriptions read JetStream, not core NATS: one ordered consumer per stream and
gateway process, shared by every subscription whose subjects that stream holds.

Why JetStream: a core subscription loses whatever is published while the gateway's connection to
NATS is down (a blip, a NATS node restart, a slow reconnect). An ordered consumer remembers the
last stream sequence it delivered; when its heartbeats stop or a sequence gap shows, the client
recreates it from the next sequence, so the events stored meanwhile still reach the subscribers.

Why one consumer per stream rather than one per subscription: consumers are server state (each is
created by a request and kept alive by heartbeats). Thousands of distinct subscriptions
(`metricRecorded(projectId:)` for every project) would be thousands of consumers; one consumer
per stream costs the server one, and the gateway routes each message to the subscriptions whose
subject pattern matches it, by exact subject first and wildcard patterns after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("charter.gateway.subscriptions")

HEARTBEAT = 1.0  # seconds: two missed heartbeats and the ordered consumer is recreated


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, `>` one or more trailing tokens."""
    p = pattern.split(".")
    s = subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


Deliver = Callable[[Any], None]  # takes the nats Msg; must not block


@dataclass(eq=False)
class Listener:
    patterns: tuple[str, ...]
    deliver: Deliver


@dataclass(eq=False)
class StreamFeed:
    """One ordered push consumer (deliver-new) on one JetStream stream."""

    stream: str
    subjects: tuple[str, ...]
    exact: dict[str, set[Listener]] = field(default_factory=dict)
    wild: set[Listener] = field(default_factory=set)
    sub: Any = None
    last_seq: int = 0

    def add(self, listener: Listener) -> None:
        for p in listener.patterns:
            if "*" in p or ">" in p:
                self.wild.add(listener)
            else:
                self.exact.setdefault(p, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        self.wild.discard(listener)
        for p in listener.patterns:
            group = self.exact.get(p)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self.exact[p]

    def empty(self) -> bool:
        return not self.exact and not self.wild

    async def on_message(self, msg: Any) -> None:
        # An ordered consumer recreated after a gap starts at last_seq + 1; a message it already
        # delivered before (a redelivery racing the reset) is dropped by its stream sequence.
        try:
            seq = msg.metadata.sequence.stream
        except Exception:  # not a JetStream message (a flow-control or status message)
            return
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        subject = msg.subject
        delivered: set[Listener] = set()
        for listener in self.exact.get(subject, ()):
            delivered.add(listener)
            listener.deliver(msg)
        for listener in self.wild:
            if listener not in delivered and any(subject_matches(p, subject) for p in listener.patterns):
                delivered.add(listener)
                listener.deliver(msg)


class JetStreamFeeds:
    """The feeds of one NATS connection, keyed by stream name, opened on first use and closed when
    their last subscription goes."""

    def __init__(self, nc: Any) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self._feeds: dict[str, StreamFeed] = {}
        self._streams: dict[str, str | None] = {}  # subject pattern -> stream holding it (None: none)
        self._lock = asyncio.Lock()

    async def stream_of(self, pattern: str) -> str | None:
        """The stream whose subjects cover the pattern, or None when no stream stores it (the
        caller then reads core NATS, as for any non-JetStream publisher)."""
        if pattern in self._streams:
            return self._streams[pattern]
        name: str | None
        try:
            name = await self.js.find_stream_name_by_subject(pattern)
        except Exception:  # NotFoundError, or JetStream not enabled on this server
            name = None
        if len(self._streams) >= 65_536:
            self._streams.clear()
        self._streams[pattern] = name
        return name

    async def listen(self, stream: str, listener: Listener) -> None:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        async with self._lock:
            feed = self._feeds.get(stream)
            if feed is None:
                info = await self.js.stream_info(stream)
                subjects = tuple(info.config.subjects or ())
                feed = StreamFeed(stream, subjects)
                config = ConsumerConfig(filter_subjects=list(subjects)) if len(subjects) > 1 else None
                feed.sub = await self.js.subscribe(
                    subjects[0] if len(subjects) == 1 else ">", stream=stream, cb=feed.on_message,
                    ordered_consumer=True, deliver_policy=DeliverPolicy.NEW, idle_heartbeat=HEARTBEAT,
                    config=config,
                )
                # The consumer exists server-side once subscribe returns: events stored from now on
                # are delivered to it. Flush so the deliver subject's interest is registered too.
                await self.nc.flush(timeout=5)
                self._feeds[stream] = feed
                log.info("reading JetStream stream %s with an ordered consumer", stream)
            feed.add(listener)

    async def unlisten(self, stream: str, listener: Listener) -> None:
        async with self._lock:
            feed = self._feeds.get(stream)
            if feed is None:
                return
            feed.remove(listener)
            if feed.empty():
                del self._feeds[stream]
                with contextlib.suppress(Exception):
                    await feed.sub.unsubscribe()

    def feeds(self) -> dict[str, StreamFeed]:
        return dict(self._feeds)
