"""Opening the metrics store a subgraph process was configured with (Settings.metrics_store)."""

from __future__ import annotations

from subgraphs.db.engines import Database
from subgraphs.metrics.store import MetricsStore, PostgresMetricsStore
from subgraphs.settings import Settings


async def open_store(settings: Settings, db: Database) -> MetricsStore:
    if settings.metrics_store == "postgres":
        return PostgresMetricsStore()
    # Imported only here: the Postgres-only subgraph never loads the Cassandra driver.
    from subgraphs.metrics.cassandra.applier import OutboxApplier
    from subgraphs.metrics.cassandra.store import CassandraMetricsStore, ensure_schema, open_session

    session = await open_session(settings)
    try:
        await ensure_schema(session, settings.cassandra_replication)  # IF NOT EXISTS: a no-op once made
        applier = OutboxApplier(db, session)
        # What a crash left in the outbox (and, the first time, every point already in Postgres).
        await applier.backfill_once()
    except BaseException:
        await session.close()
        raise
    store = CassandraMetricsStore(session, applier)
    if settings.cassandra_drain_interval_s > 0:
        store.start_background(settings.cassandra_drain_interval_s)
    return store
