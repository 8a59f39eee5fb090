"""The outbox relay: pending outbox rows -> JetStream, in order, each exactly once in effect.

One pass (`publish_batch`) is one Postgres transaction:
1. `pg_try_advisory_xact_lock`: one relay publishes at a time, so rows go out in `seq` order even
   with several relays running (the others stand by and take over when it dies: its
   transaction, and the lock with it, ends with its connection);
2. the oldest pending rows, `FOR UPDATE SKIP LOCKED` (a second guard: no two relays ever hold the
   same row);
3. publish each with `Nats-Msg-Id` = the row's id and the expected stream, pipelined, then wait for
   every JetStream ack (each also carries `Charter-Wal-Position`, a WAL position at or past its
   commit, for consumers that compare it with what their reads reflect);
4. mark the acked rows sent and commit.
A crash between 3 and 4 leaves the rows pending: the next pass publishes them again and JetStream
drops the copies (same Nats-Msg-Id within the duplicate window); consumers dedupe by event id too.
If an ack fails, only the rows before it are marked; the rest wait for the next pass.

Waking: the relay LISTENs on `charter_outbox` (the outbox's insert trigger NOTIFYs at commit) and
also polls every `relay_poll_s` in case a notification was missed (it was down, or the LISTEN
connection was being re-made). Any failure (Postgres or NATS away) backs off and reconnects; the
NATS client buffers and reconnects by itself.

Why a process of its own (`charter events`, started once by `charter up`) rather than one per
subgraph: all regions write one outbox in one primary, so one relay drains it in order; the
subgraphs stay free of NATS connections on their request path; and more relays (for availability)
are safe, by the lock above.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass

import asyncpg
from nats.aio.client import Client
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from gateway.telemetry import propagate
from subgraphs.db.urls import plain_url
from subgraphs.events.config import EventSettings
from subgraphs.events.connection import connect
from subgraphs.events.outbox import CHANNEL
from subgraphs.events.streams import ensure_streams

log = logging.getLogger("charter.events.relay")

POSITION_HEADER = "Charter-Wal-Position"  # a WAL position at or past the event's commit
LOCK_KEY = 0x0C4A27E5  # pg advisory lock: "the relay that publishes now"
ACK_TIMEOUT_S = 5.0
_STREAM_OF = {"covenant": "COVENANT", "alerts": "ALERTS", "notifications": "NOTIFICATIONS", "audit": "AUDIT"}

_PENDING = """
SELECT seq, id::text AS id, subject, payload::text AS payload, traceparent, tracestate FROM outbox
WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
"""


@dataclass
class RelayStats:
    published: int = 0  # acked by JetStream (including copies it dropped as duplicates)
    duplicates: int = 0  # acks that said "duplicate": a re-publish after a crash or a lost ack
    passes: int = 0
    failures: int = 0
    sessions: int = 0  # pairs of Postgres connections opened (more than one: it reconnected)


def _fault_after() -> int | None:
    """Fault injection for the crash tests: CHARTER_RELAY_FAULT=kill-after-publish:N makes the
    process SIGKILL itself once N rows are acked but before they are marked sent."""
    raw = os.environ.get("CHARTER_RELAY_FAULT", "")
    if raw.startswith("kill-after-publish:"):
        return int(raw.split(":", 1)[1])
    return None


class Relay:
    def __init__(self, database_url: str, settings: EventSettings, *, name: str = "relay") -> None:
        self.database_url = plain_url(database_url)
        self.settings = settings
        self.name = name
        self.stats = RelayStats()
        self._wake = asyncio.Event()
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._streams_ready = False
        self._fault_after = _fault_after()
        self._tracer = trace.get_tracer("charter.events.relay")  # a no-op one unless configured

    # -- one pass -------------------------------------------------------------------------------

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish and mark up to `relay_batch` rows; the number marked sent (0: nothing to do,
        or another relay holds the lock)."""
        assert self._js is not None
        async with conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY):
                return 0
            rows = await conn.fetch(_PENDING, self.settings.relay_batch)
            if not rows:
                return 0
            # Past the commit of every row just read (they are visible, so committed): consumers
            # compare it with what their reads reflect (the gateway's cache refuses older fills).
            position = str(await conn.fetchval("SELECT pg_current_wal_insert_lsn()::text"))
            futures = []
            spans = []
            for row in rows:
                stream = _STREAM_OF.get(row["subject"].split(".", 1)[0])
                span, headers = self._producer(row)
                headers[POSITION_HEADER] = position
                spans.append(span)
                futures.append(await self._js.publish_async(
                    row["subject"], row["payload"].encode("utf-8"), stream=stream, headers=headers,
                ))
            acked, error = await self._acked_prefix(futures)
            for i, span in enumerate(spans):
                if i >= acked:
                    span.set_status(Status(StatusCode.ERROR, "no JetStream ack"))
                span.end()
            if self._fault_after is not None and self.stats.published + acked >= self._fault_after:
                log.warning("fault injection: killed after publishing, before marking %d rows", acked)
                os.kill(os.getpid(), signal.SIGKILL)
            if acked:
                await conn.execute(
                    "UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows[:acked]]
                )
            self.stats.published += acked
            self.stats.passes += 1
        if error is not None:
            raise error
        return acked

    def _producer(self, row: asyncpg.Record) -> tuple[Span, dict[str, str]]:
        """The message's headers, with the writer's trace context passed on: under a PRODUCER
        span of the writer's trace when this process is traced, else as the writer left it."""
        headers = {"Nats-Msg-Id": row["id"]}
        parent = None
        if row["traceparent"]:
            carrier = {"traceparent": row["traceparent"]}
            if row["tracestate"]:
                carrier["tracestate"] = row["tracestate"]
            parent = propagate.extract(carrier)
        span = self._tracer.start_span(
            f"publish {row['subject']}", context=parent, kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats", "messaging.operation.type": "send",
                "messaging.destination.name": row["subject"], "messaging.message.id": row["id"],
            },
        )
        if parent is not None or span.get_span_context().is_valid:
            propagate.inject(headers, trace.set_span_in_context(span))
        return span, headers

    async def _acked_prefix(self, futures: list[asyncio.Future]) -> tuple[int, BaseException | None]:
        """How many publishes, in order, were acked; and the first failure, if any."""
        _, pending = await asyncio.wait(futures, timeout=ACK_TIMEOUT_S)
        for f in pending:
            f.cancel()  # releases nats-py's in-flight slot; the row stays pending
        acked = 0
        error: BaseException | None = None
        for f in futures:
            if f in pending:
                error = TimeoutError(f"no JetStream ack within {ACK_TIMEOUT_S}s")
                break
            exc = f.exception()
            if exc is not None:
                error = exc
                break
            acked += 1
            if getattr(f.result(), "duplicate", False):
                self.stats.duplicates += 1
        for f in futures:  # the failures after the first are known too: retrieve them (no warnings)
            if f.done() and not f.cancelled():
                f.exception()
        return acked, error

    async def drain(self, conn: asyncpg.Connection) -> int:
        total = 0
        while True:
            n = await self.publish_batch(conn)
            total += n
            if n < self.settings.relay_batch:
                return total

    async def _delete_old(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1)",
            self.settings.outbox_keep_s,
        )

    # -- the loop -------------------------------------------------------------------------------

    async def _open(self) -> None:
        if self._nc is None:
            self._nc = await connect(self.settings.nats_urls, self.name)
            self._js = self._nc.jetstream()
        if not self._streams_ready:
            assert self._js is not None
            await ensure_streams(self._js, self.settings.streams)
            self._streams_ready = True  # a failure above is retried by the next session

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Until `stop`: publish whatever is pending, then whenever woken. `ready` is set once
        connected and listening."""
        backoff = 0.2
        while not stop.is_set():
            try:
                await self._session(stop, ready)
                backoff = 0.2
            except Exception as exc:  # Postgres or NATS away: back off and reconnect
                self.stats.failures += 1
                log.warning("%s: %s: %s (retrying in %.1fs)", self.name, type(exc).__name__, exc, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 2.0)
        await self.close()

    async def _session(self, stop: asyncio.Event, ready: asyncio.Event | None) -> None:
        """One pair of Postgres connections: returns when the LISTEN connection is lost."""
        await self._open()
        work = await asyncpg.connect(self.database_url, timeout=5)
        self.stats.sessions += 1
        listen: asyncpg.Connection | None = None
        try:
            listen = await asyncpg.connect(self.database_url, timeout=5)
            lost = asyncio.Event()

            def on_lost(_conn: object) -> None:
                lost.set()
                self._wake.set()

            listen.add_termination_listener(on_lost)
            await listen.add_listener(CHANNEL, lambda *_: self._wake.set())
            self._wake.set()  # whatever was committed while we were not listening
            if ready is not None:
                ready.set()
            last_cleanup = 0.0
            while not stop.is_set() and not lost.is_set():
                stopper = asyncio.ensure_future(stop.wait())
                waker = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait(
                        {stopper, waker}, timeout=self.settings.relay_poll_s, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    stopper.cancel()
                    waker.cancel()
                if stop.is_set() or lost.is_set():
                    break
                self._wake.clear()
                await self.drain(work)
                if time.monotonic() - last_cleanup > 60:
                    await self._delete_old(work)
                    last_cleanup = time.monotonic()
        finally:
            for c in (listen, work):
                if c is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(c.close(), 2)

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
            self._nc = None
            self._js = None
