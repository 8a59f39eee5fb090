"""Where the metrics subgraph keeps its time series: one small interface, two stores.

Postgres (`metric_points`) is always the system of record: `recordMetrics` writes there in one
transaction. The Cassandra store is a read model for the time-series reads and the roll-ups,
fed from the transactional outbox `metrics_outbox` (written in that same transaction) by an
idempotent applier keyed by the point id; see subgraphs/metrics/cassandra/applier.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal, Protocol

from sqlalchemy import Numeric, cast, func, select

from subgraphs.common.context import RequestContext
from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.metrics.series import (
    MetricBucket,
    MetricKind,
    MetricTotal,
    SeriesShape,
    bucketed,
    clamped,
    to_bucket,
)

Owner = Literal["project", "nation"]


class MetricsStore(Protocol):
    name: str
    uses_outbox: bool  # recordMetrics also writes outbox rows for this store

    async def series(
        self, ctx: RequestContext, owner: Owner, owners: list[str], shape: SeriesShape
    ) -> dict[str, list[MetricBucket]]: ...

    async def group_totals(self, ctx: RequestContext) -> dict[str, list[MetricTotal]]:
        """Totals per kind for each group (keyed by nations.group_name: EMEA, APAC, Americas)."""
        ...

    async def after_write(self, ctx: RequestContext) -> None:
        """Called after recordMetrics committed to Postgres (the Cassandra store applies it)."""
        ...

    async def close(self) -> None: ...


class PostgresMetricsStore:
    name = "postgres"
    uses_outbox = False

    async def series(
        self, ctx: RequestContext, owner: Owner, owners: list[str], shape: SeriesShape
    ) -> dict[str, list[MetricBucket]]:
        column = P.c.id if owner == "project" else P.c.nation_code
        found: dict[str, list[MetricBucket]] = defaultdict(list)
        for row in await ctx.fetch(bucketed(column, owners, shape)):
            found[row.owner].append(to_bucket(row))
        return found

    async def group_totals(self, ctx: RequestContext) -> dict[str, list[MetricTotal]]:
        rows = await ctx.fetch(
            select(
                # in numeric, clamped (see series.clamped): one absurd stored value must not make
                # float8's sum overflow and take every group's stats offline
                N.c.group_name, M.c.kind, func.count().label("points"),
                clamped(func.sum(cast(M.c.value, Numeric))).label("sum"),
                clamped(func.min(cast(M.c.value, Numeric))).label("min"),
                clamped(func.max(cast(M.c.value, Numeric))).label("max"),
            )
            .select_from(M.join(P, P.c.id == M.c.project_id).join(N, N.c.code == P.c.nation_code))
            .group_by(N.c.group_name, M.c.kind)
            .order_by(N.c.group_name, M.c.kind)
        )
        out: dict[str, list[MetricTotal]] = defaultdict(list)
        for r in rows:
            out[r.group_name].append(
                MetricTotal(kind=MetricKind(r.kind), points=int(r.points), sum=float(r.sum),
                            min=float(r.min), max=float(r.max))
            )
        return out

    async def after_write(self, ctx: RequestContext) -> None:
        return None

    async def close(self) -> None:
        return None
