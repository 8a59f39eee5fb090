"""The platform's tables (SQLAlchemy Core). One database; each subgraph owns its tables and the
metrics subgraph also reads the others for its roll-ups (a reporting read model)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData()

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
    Column("search_names", Text, nullable=False),  # normalised names, one per line
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
    Index("ix_projects_nation", "nation_code"),
    Index("ix_projects_region", "home_region"),
    Index("ix_projects_status", "status"),
)

metric_points = Table(
    "metric_points",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("project_id", String(40), ForeignKey("projects.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("value", Float, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
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
