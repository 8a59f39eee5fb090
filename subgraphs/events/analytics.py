"""The analytics consumer: every event on every stream counted per kind, region and UTC day.

Applying a batch is one transaction: the batch's event ids go into `consumed_events` (consumer
"analytics"); only the ids that were not there yet are counted into `event_counts`. So a
redelivered event, or a copy of one published twice, is counted once. The metrics subgraph serves
the counts as `Query.eventCounts`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import asyncpg

from subgraphs.events.consumer import Event

STREAMS = ("COVENANT", "ALERTS", "NOTIFICATIONS", "AUDIT")

_CLAIM = """
INSERT INTO consumed_events (consumer, event_id)
SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id
"""
_COUNT = """
INSERT INTO event_counts (day, kind, region, count)
SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[])
ON CONFLICT (day, kind, region) DO UPDATE SET count = event_counts.count + EXCLUDED.count
"""


class AnalyticsHandler:
    name = "analytics"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.applied = 0

    async def apply(self, events: Sequence[Event]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = {r["event_id"] for r in await conn.fetch(_CLAIM, self.name, [e.event_id for e in events])}
            counts: Counter[tuple[object, str, str]] = Counter()
            for e in events:
                if e.event_id in fresh:
                    fresh.discard(e.event_id)  # a copy later in the same batch is not new
                    counts[(e.stored_at.date(), e.kind, e.region)] += 1
            if counts:
                keys = sorted(counts, key=str)  # a stable order: concurrent upserts cannot deadlock
                await conn.execute(
                    _COUNT, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [counts[k] for k in keys]
                )
            self.applied += sum(counts.values())
