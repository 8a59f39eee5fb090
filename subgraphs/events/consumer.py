"""Durable JetStream consumers with explicit acks, and the parsed event they hand to a handler.

A handler applies a batch of events idempotently (keyed by `event_id`) and only then are their
messages acked: a crash before the ack means a redelivery, which the handler recognises and skips.
A message that is not an event at all (not JSON, no eventId) is terminated, not redelivered forever.

Each batch is one CONSUMER span ("process <stream>") linked to the trace of every message in it
(the writer's context, which the outbox relay put in the message headers): the OpenTelemetry
messaging conventions for batches, as a batch has many parents and a span only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Tracer

from gateway.telemetry import propagate
from subgraphs.events.contract import STREAM_SUBJECTS, event_kind, event_region

log = logging.getLogger("charter.events.consumer")
IDLE_CHECK = 5  # empty fetches (of 1 s) between checks that the consumer still exists


@dataclass(frozen=True)
class Event:
    event_id: str
    subject: str
    stream: str
    stream_seq: int
    stored_at: dt.datetime  # when JetStream stored it (UTC)
    delivered: int  # 1 on first delivery
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        return event_kind(self.subject, self.payload)

    @property
    def region(self) -> str:
        return event_region(self.subject, self.payload)


class BadEvent(ValueError):
    pass


def parse(msg: Msg) -> Event:
    try:
        payload = json.loads(msg.data)
    except ValueError as exc:
        raise BadEvent(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("eventId"), str):
        raise BadEvent("no eventId")
    meta = msg.metadata
    stored = meta.timestamp
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=dt.UTC)
    return Event(
        event_id=payload["eventId"], subject=msg.subject, stream=meta.stream, stream_seq=meta.sequence.stream,
        stored_at=stored, delivered=meta.num_delivered, payload=payload,
    )


class Handler(Protocol):
    name: str

    async def apply(self, events: Sequence[Event]) -> None:
        """Apply every event not applied before; raise to have the whole batch redelivered."""


class DurableConsumer:
    """One durable pull consumer on one stream feeding one handler."""

    def __init__(
        self, js: JetStreamContext, stream: str, handler: Handler, *, batch: int = 256, ack_wait_s: float = 10.0,
        tracer: Tracer | None = None,
    ) -> None:
        self.js = js
        self.stream = stream
        self.handler = handler
        self.durable = f"{handler.name}-{stream.lower()}"
        self.batch = batch
        self.ack_wait_s = ack_wait_s
        self.tracer = tracer or trace.get_tracer("charter.events.consumer")  # a no-op one unless configured

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait_s,
            max_deliver=-1,
            max_ack_pending=10_000,
            filter_subject=STREAM_SUBJECTS[self.stream],
        )

    async def run(self, stop: asyncio.Event) -> None:
        sub = None
        backoff = 0.2
        idle = 0
        while not stop.is_set():
            try:
                if sub is None:
                    sub = await self.js.pull_subscribe(
                        STREAM_SUBJECTS[self.stream], durable=self.durable, stream=self.stream, config=self.config()
                    )
                try:
                    msgs = await sub.fetch(self.batch, timeout=1.0)
                except TimeoutError:  # nats-py raises its own subclass, or asyncio's: nothing new
                    idle += 1
                    if idle % IDLE_CHECK == 0:
                        # Quiet for a while: make sure our consumer still exists (a server that
                        # was killed may come back without it), else bind it again.
                        try:
                            await self.js.consumer_info(self.stream, self.durable)
                        except NotFoundError:
                            log.warning("%s: consumer gone; creating it again", self.durable)
                            sub = None
                    continue
                idle = 0
                await self._handle(msgs)
                backoff = 0.2
            except Exception as exc:  # NATS or the database away: back off, keep going
                log.warning("%s: %s: %s", self.durable, type(exc).__name__, exc)
                if sub is not None:
                    # After a server restart the consumer may be gone: bind (or create) it again.
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
                    sub = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 2.0)
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _handle(self, msgs: list[Msg]) -> None:
        events, good = [], []
        for m in msgs:
            try:
                events.append(parse(m))
                good.append(m)
            except BadEvent as exc:
                log.warning("%s: dropping message %s on %s: %s", self.durable, m.metadata.sequence.stream, m.subject, exc)
                await m.term()
        if events:
            with self.tracer.start_as_current_span(
                f"process {self.stream}", kind=SpanKind.CONSUMER, links=_links(good),
                attributes={
                    "messaging.system": "nats", "messaging.operation.type": "process",
                    "messaging.destination.name": STREAM_SUBJECTS[self.stream],
                    "messaging.consumer.group.name": self.durable,
                    "messaging.batch.message_count": len(events),
                },
            ):  # an exception is recorded on the span, and its status set, as it leaves
                try:
                    await self.handler.apply(events)
                except Exception:
                    for m in good:
                        with contextlib.suppress(Exception):
                            await m.nak(delay=1.0)
                    raise
        for m in good:
            await m.ack()


def _links(msgs: Sequence[Msg]) -> list[Link]:
    """A link to each message's producer span (or its writer's, when the relay was not traced)."""
    links = []
    for m in msgs:
        headers = m.headers
        if not headers or "traceparent" not in headers:
            continue
        context = trace.get_current_span(propagate.extract(headers)).get_span_context()
        if context.is_valid:
            links.append(Link(context, {"messaging.message.id": headers.get("Nats-Msg-Id", "")}))
    return links


async def run_consumers(
    js: JetStreamContext, handler: Handler, streams: Sequence[str], stop: asyncio.Event, tracer: Tracer | None = None
) -> None:
    await asyncio.gather(*(DurableConsumer(js, s, handler, tracer=tracer).run(stop) for s in streams))
