"""Writing events into the outbox, inside the caller's transaction.

A mutation calls `enqueue` with the connection it writes its change on: the rows commit or roll
back with the change, so an event exists exactly when its change does. The insert trigger
(migration 0002_events) NOTIFYs the relay at commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.db.tables import outbox
from subgraphs.events.contract import OutboxEvent

CHANNEL = "charter_outbox"


async def enqueue(conn: AsyncConnection, events: Sequence[OutboxEvent]) -> None:
    if not events:
        return
    await conn.execute(
        outbox.insert(), [{"id": e.id, "subject": e.subject, "payload": e.payload} for e in events]
    )
