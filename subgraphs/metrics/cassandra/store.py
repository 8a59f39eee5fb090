"""The metrics store on Cassandra: bucketed series from month partitions, roll-ups from the
pre-aggregated `group_project_totals`, all read from the region's own data centre."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from cassandra.protocol import ConfigurationException
from sqlalchemy import select

from subgraphs.common.context import RequestContext
from subgraphs.db.tables import projects as P
from subgraphs.metrics.buckets import Point, aggregate, years_between
from subgraphs.metrics.cassandra import cql
from subgraphs.metrics.cassandra.applier import OutboxApplier
from subgraphs.metrics.cassandra.session import (
    KEYSPACE,
    LOCAL_ONE,
    LOCAL_QUORUM,
    CassandraSession,
    connect,
)
from subgraphs.metrics.series import MetricBucket, MetricKind, MetricTotal, SeriesShape, finite, utc
from subgraphs.metrics.store import Owner
from subgraphs.settings import Settings, group_dc

GROUPS = ("EMEA", "APAC", "Americas")  # nations.group_name values
# Open ends of a range, inside Cassandra's timestamp domain.
_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
YEARS = f"SELECT year FROM {KEYSPACE}.project_years WHERE project_id = ?"
ALL_KINDS = f"SELECT kind, ts, value FROM {KEYSPACE}.points_by_project WHERE project_id = ? AND year = ?"
ONE_KIND = ALL_KINDS + " AND kind = ? AND ts >= ? AND ts < ?"
GROUP_TOTALS = f"SELECT kind, points, sum, min, max FROM {KEYSPACE}.group_project_totals WHERE group_name = ?"


class CassandraMetricsStore:
    name = "cassandra"
    uses_outbox = True

    def __init__(self, session: CassandraSession, applier: OutboxApplier) -> None:
        self.session = session
        self.applier = applier
        self._background: asyncio.Task[None] | None = None

    def _consistency(self, ctx: RequestContext) -> int:
        ctx.reads_outside_wal = True  # what Cassandra answers has no WAL position to stamp it with
        # A read that must see a write (a consistency token, or after a write in this request)
        # asks the local quorum; everything else is fine with the nearest local replica.
        return LOCAL_QUORUM if ctx.raw_token or ctx.consistency_token else LOCAL_ONE

    async def series(
        self, ctx: RequestContext, owner: Owner, owners: list[str], shape: SeriesShape
    ) -> dict[str, list[MetricBucket]]:
        if owner == "project":
            members = {o: [o] for o in owners}
        else:  # a nation's series is its projects' points together
            members = {o: [] for o in owners}
            for row in await ctx.fetch(select(P.c.id, P.c.nation_code).where(P.c.nation_code.in_(owners))):
                members[row.nation_code].append(row.id)
        projects = sorted({p for ps in members.values() for p in ps})
        level = self._consistency(ctx)
        found = await asyncio.gather(*(self._points(p, shape, level) for p in projects))
        points = dict(zip(projects, found, strict=True))
        bucket = shape[3]
        return {o: aggregate([pt for p in ps for pt in points[p]], bucket) for o, ps in members.items()}

    async def _points(self, project_id: str, shape: SeriesShape, level: int) -> list[Point]:
        kind, start, end, _ = shape
        start = utc(start) if start else None
        end = utc(end) if end else None
        years = years_between(start, end, [r.year for r in await self.session.execute(YEARS, (project_id,), level)])
        if kind is not None:
            low, high = start or _EARLIEST, end or _LATEST
            pages = [self.session.execute(ONE_KIND, (project_id, y, kind, low, high), level) for y in years]
        else:
            pages = [self.session.execute(ALL_KINDS, (project_id, y), level) for y in years]
        points = []
        for rows in await asyncio.gather(*pages):
            for r in rows:
                ts = r.ts.replace(tzinfo=dt.UTC)
                if (start is None or ts >= start) and (end is None or ts < end):
                    points.append(Point(r.kind, ts, r.value, project_id))
        return points

    async def group_totals(self, ctx: RequestContext) -> dict[str, list[MetricTotal]]:
        level = self._consistency(ctx)
        parts = await asyncio.gather(*(self.session.execute(GROUP_TOTALS, (g,), level) for g in GROUPS))
        out: dict[str, list[MetricTotal]] = {}
        for group, rows in zip(GROUPS, parts, strict=True):
            folded: dict[str, list[Any]] = {}
            for r in rows:
                seen = folded.get(r.kind)
                folded[r.kind] = [r.points, r.sum, r.min, r.max] if seen is None else [
                    seen[0] + r.points, seen[1] + r.sum, min(seen[2], r.min), max(seen[3], r.max)
                ]
            out[group] = [
                MetricTotal(kind=MetricKind(k), points=int(v[0]), sum=finite(float(v[1])), min=finite(float(v[2])),
                            max=finite(float(v[3])))
                for k, v in sorted(folded.items())
            ]
        return out

    async def after_write(self, ctx: RequestContext) -> None:
        # Applied before the response, so the writer reads its own points; if Cassandra is away
        # the write stands in Postgres and the background drain applies it later.
        try:
            await self.applier.drain()
        except Exception as exc:
            from subgraphs.metrics.cassandra.applier import log

            log.warning("recorded in Postgres; Cassandra apply deferred: %s", exc)

    def start_background(self, interval_s: float) -> None:
        self._background = asyncio.create_task(self.applier.run_forever(interval_s))

    async def close(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        await self.session.close()


async def ensure_schema(
    session: CassandraSession, replication: tuple[tuple[str, int], ...], within_s: float = 60.0
) -> None:
    # A node knows a data centre once a node of it joined the ring (NORMAL), which may come a
    # little after the nodes see each other up: until then NetworkTopologyStrategy refuses the DC
    # name. Cassandra emits no event for it that a client could wait on, so retry, bounded.
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        try:
            await session.ddl(cql.keyspace_cql(replication))
            break
        except ConfigurationException as exc:
            if "Unrecognized strategy option" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
    for table in cql.TABLES:
        await session.ddl(table)


async def open_session(settings: Settings) -> CassandraSession:
    local_dc = settings.cassandra_local_dc or group_dc(settings.region)
    return await connect(settings.cassandra_contact_points, settings.cassandra_port, local_dc)


async def keyspace_exists(session: CassandraSession) -> bool:
    rows = await session.execute(
        "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", (KEYSPACE,)
    )
    return bool(rows)
