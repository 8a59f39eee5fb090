"""The platform's tables (SQLAlchemy Core). One database; each subgraph owns its tables and the
metrics subgraph also reads the others for its roll-ups (a reporting read model)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()


def _sync_columns(pushable: bool = True) -> list[Column[int]]:
    """Change tracking for offline sync (subgraphs/sync): the commit stamps a row got when it was
    created and when it last changed, set only by the database's triggers (migration 0002); and,
    for rows a client may create, the lastPulledAt of the push that created it (else null): that
    client's next pull echoes the row, and must not call it `created` (WatermelonDB would bring
    it back if the client deleted it meanwhile)."""
    columns = [
        Column("sync_created_ms", BigInteger, nullable=False),
        Column("sync_updated_ms", BigInteger, nullable=False, index=True),
    ]
    if pushable:
        columns.append(Column("sync_pushed_from_ms", BigInteger))
    return columns


nations = Table(
    "nations",
    metadata,
    Column("code", String(2), primary_key=True),  # ISO 3166-1 alpha-2
    Column("alpha3", String(3), nullable=False, unique=True),
    Column("numeric", String(3), nullable=False),
    Column("name", Text, nullable=False),
    Column("official_name", Text, nullable=False),
    Column("un_region", Text, nullable=False),
    Column("un_subregion", Text, nullable=False),
    Column("group_name", Text, nullable=False),  # EMEA | APAC | Americas
    Column("un_status", Text, nullable=False),  # member | observer
    Column("capital", Text),
    Column("population", BigInteger),
    Column("gdp_usd", BigInteger),  # null where no source publishes a figure (Holy See)
    Column("gdp_source", Text, nullable=False),
    Column("search_names", Text, nullable=False),  # one name per line, marked by kind (nations.search)
    *_sync_columns(pushable=False),  # read-only to clients
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("budget_usd", BigInteger, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("progress", Float, nullable=False),  # 0.0 .. 1.0
    Column("home_region", String(3), nullable=False),
    Column("nation_code", String(2), ForeignKey("nations.code"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    *_sync_columns(),
    Index("ix_projects_nation", "nation_code"),
    Index("ix_projects_region", "home_region"),
    Index("ix_projects_status", "status"),
)

metric_points = Table(
    "metric_points",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    # Deleting a project (offline sync may) deletes its points; each leaves a tombstone.
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("value", Float, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    # The id offline clients know a point by: theirs for points they created, `mp-<id>` otherwise
    # (a trigger fills it in when an insert leaves it out).
    Column("sync_id", String(40), nullable=False, unique=True),
    *_sync_columns(),
    # One value per project, kind and instant: re-recording a point replaces it (idempotent).
    UniqueConstraint("project_id", "kind", "ts", name="uq_metric_point"),
)

# Metric points written to Postgres but not yet applied to the Cassandra read model: one row per
# point id, inserted in the same transaction as the point, deleted once the point is in Cassandra
# (subgraphs/metrics/cassandra/applier.py). A crash in between leaves the row, and the applier
# replays it; applying is idempotent, so a replay of an applied point changes nothing.
metrics_outbox = Table(
    "metrics_outbox",
    metadata,
    Column("point_id", BigInteger, ForeignKey("metric_points.id", ondelete="CASCADE"), primary_key=True),
    Column("enqueued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The sync clock: one row, the stamp of the latest transaction that changed a synced table.
sync_clock = Table(
    "sync_clock",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("last_ms", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="ck_sync_clock_one_row"),
)

# What was deleted from a synced table, and when, so a client offline for long still learns it.
sync_tombstones = Table(
    "sync_tombstones",
    metadata,
    Column("table_name", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("deleted_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("table_name", "record_id"),
    Index("ix_sync_tombstones_deleted", "deleted_ms"),
)

# Pushes already applied, by a digest of their content: the same push twice applies once.
sync_pushes = Table(
    "sync_pushes",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("applied_ms", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),  # the push's result, JSON, returned again to a repeat
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sync_pushes_applied", "applied_ms"),
)

# --- events: the transactional outbox and what the event consumers keep (migration 0003) ---

# Every event a mutation causes, written in the mutation's own transaction; the relay publishes
# pending rows in `seq` order with Nats-Msg-Id = id and sets `sent_at` after the JetStream ack.
outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("id", UUID(as_uuid=False), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    # the writer's W3C trace context (migration 0006), sent on in the NATS message's headers
    Column("traceparent", Text),
    Column("tracestate", Text),
    Index("ix_outbox_pending", "seq", postgresql_where=text("sent_at IS NULL")),
)

followers = Table(
    "followers",
    metadata,
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("follower", Text, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),  # INFO | WARNING | CRITICAL
    Column("group_name", Text, nullable=False),  # EMEA | APAC | AMERICAS
    Column("message", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_alerts_project", "project_id", "at"),
)

# Whether a stateful rule (spend, stall) currently holds for a project: an alert is raised when it
# starts to hold, not again on every later point while it keeps holding.
alert_state = Table(
    "alert_state",
    metadata,
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("rule", Text, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Event ids a consumer has applied: applying is an insert here in the same transaction as the
# effect, so a redelivered event changes nothing.
consumed_events = Table(
    "consumed_events",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("consumed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

event_counts = Table(
    "event_counts",
    metadata,
    Column("day", Date, primary_key=True),  # UTC day the event was stored in JetStream
    Column("kind", Text, primary_key=True),
    Column("region", Text, primary_key=True),
    Column("count", BigInteger, nullable=False),
)
