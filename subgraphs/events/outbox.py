"""Writing events into the outbox, inside the caller's transaction.

A mutation calls `enqueue` with the connection it writes its change on: the rows commit or roll
back with the change, so an event exists exactly when its change does. The insert trigger
(migration 0002_events) NOTIFYs the relay at commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.telemetry.propagate import inject
from subgraphs.db.tables import outbox
from subgraphs.events.contract import OutboxEvent

CHANNEL = "charter_outbox"


async def enqueue(conn: AsyncConnection, events: Sequence[OutboxEvent]) -> None:
    if not events:
        return
    # The writing request's trace context (none when it is not traced): the relay publishes it
    # with the events, so their consumers' spans link back to this mutation.
    carrier: dict[str, str] = {}
    inject(carrier)
    parent, state = carrier.get("traceparent"), carrier.get("tracestate")
    await conn.execute(
        outbox.insert(),
        [
            {"id": e.id, "subject": e.subject, "payload": e.payload, "traceparent": parent, "tracestate": state}
            for e in events
        ],
    )
