"""The metrics subgraph: `Project.metrics`, `Nation.metrics`, `Nation.stats`, `regionStats`,
`globalCovenantStats` and `recordMetrics`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from regions import load_layout
from subgraphs.common.cache_control import cached
from subgraphs.common.context import RequestContext
from subgraphs.common.covenant import contribution_usd
from subgraphs.common.enums import Group
from subgraphs.common.errors import NOT_FOUND, InputErrors, user_error
from subgraphs.common.extensions import EXTENSIONS
from subgraphs.common.nation_codes import nation_code_argument
from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import metrics_outbox as O
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.events import mutations as events
from subgraphs.events.alerts import Point
from subgraphs.metrics.analytics import EventCounts, FromDay, ToDay, event_counts
from subgraphs.metrics.series import (
    Bucket,
    MetricBucket,
    MetricKind,
    MetricTotal,
    SeriesShape,
    check_range,
    combine_totals,
    to_millis,
)
from subgraphs.metrics.store import MetricsStore, Owner
from subgraphs.metrics.validation import check_point

MAX_POINTS = 1000
From = Annotated[dt.datetime | None, strawberry.argument(name="from", description="inclusive")]
To = Annotated[dt.datetime | None, strawberry.argument(description="exclusive")]


def store_of(ctx: RequestContext) -> MetricsStore:
    assert ctx.metrics is not None, "metrics store not opened (lifespan did not run)"
    return ctx.metrics


def series_loader(ctx: RequestContext, name: str, owner: Owner) -> Any:
    """Series for many owners (projects or nations) in one store call per distinct shape."""

    async def load(keys: list[tuple[str, SeriesShape]]) -> list[list[MetricBucket]]:
        by_shape: dict[SeriesShape, list[str]] = defaultdict(list)
        for owner_id, shape in keys:
            by_shape[shape].append(owner_id)
        found: dict[tuple[str, SeriesShape], list[MetricBucket]] = {}
        for shape, owners in by_shape.items():
            for owner_id, buckets in (await store_of(ctx).series(ctx, owner, owners, shape)).items():
                found[(owner_id, shape)] = buckets
        return [found.get(k, []) for k in keys]

    return ctx.loader(name, load)


def _shape(kind: MetricKind | None, start: dt.datetime | None, end: dt.datetime | None, bucket: Bucket) -> SeriesShape:
    check_range(start, end, bucket)
    return (kind.value if kind else None, start, end, bucket.value)


@strawberry.federation.type(keys=["id"], directives=[cached()])
class Project:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Project:
        return cls(id=id)

    @strawberry.field(description="This project's time series, bucketed")
    async def metrics(
        self,
        info: strawberry.Info,
        kind: MetricKind | None = None,
        from_: From = None,
        to: To = None,
        bucket: Bucket = Bucket.MONTH,
    ) -> list[MetricBucket]:
        key = (str(self.id), _shape(kind, from_, to, bucket))
        return await series_loader(info.context, "project_series", "project").load(key)


@strawberry.type
class NationStats:
    projects: int
    active_projects: int
    budget_usd: float
    average_progress: float | None


def nation_stats_loader(ctx: RequestContext) -> Any:
    async def load(codes: list[str]) -> list[NationStats]:
        rows = await ctx.fetch(
            select(
                P.c.nation_code,
                func.count().label("projects"),
                func.count().filter(P.c.status == "active").label("active"),
                func.coalesce(func.sum(P.c.budget_usd), 0).label("budget"),
                func.avg(P.c.progress).label("progress"),
            )
            .where(P.c.nation_code.in_(codes))
            .group_by(P.c.nation_code)
        )
        by_code = {r.nation_code: r for r in rows}
        out = []
        for code in codes:
            r = by_code.get(code)
            out.append(
                NationStats(
                    projects=int(r.projects) if r else 0,
                    active_projects=int(r.active) if r else 0,
                    budget_usd=float(r.budget) if r else 0.0,
                    average_progress=float(r.progress) if r and r.progress is not None else None,
                )
            )
        return out

    return ctx.loader("nation_stats", load)


@strawberry.federation.type(keys=["code"], directives=[cached()])
class Nation:
    code: strawberry.ID

    @classmethod
    def resolve_reference(cls, code: strawberry.ID) -> Nation:
        # Series and stats are keyed by the stored alpha-2 code: normalise the key once here.
        return cls(code=strawberry.ID(nation_code_argument(str(code))))

    @strawberry.field(description="The time series of all this nation's projects, bucketed")
    async def metrics(
        self,
        info: strawberry.Info,
        kind: MetricKind | None = None,
        from_: From = None,
        to: To = None,
        bucket: Bucket = Bucket.MONTH,
    ) -> list[MetricBucket]:
        key = (str(self.code), _shape(kind, from_, to, bucket))
        return await series_loader(info.context, "nation_series", "nation").load(key)

    @strawberry.field
    async def stats(self, info: strawberry.Info) -> NationStats:
        return await nation_stats_loader(info.context).load(str(self.code))


@strawberry.type(description="Roll-up of one regional group")
class RegionStats:
    group: Group
    regions: list[str] = strawberry.field(description="the platform regions serving this group")
    nations: int
    projects: int
    active_projects: int
    budget_usd: float = strawberry.field(description="sum of the group's project budgets")
    contributions_usd: float = strawberry.field(
        description="the group's nations' GDP share of the covenant budget"
    )
    metrics: list[MetricTotal] = strawberry.field(
        description="totals of the group's projects' metric points, per kind (pre-aggregated)"
    )


@strawberry.type
class GlobalCovenantStats:
    nations: int
    projects: int
    active_projects: int
    budget_usd: float
    covenant_budget_usd: float = strawberry.field(description="the configured total budget")
    contributions_usd: float
    metrics: list[MetricTotal] = strawberry.field(description="totals of all metric points, per kind")
    groups: list[RegionStats]


async def _group_stats(ctx: RequestContext) -> dict[Group, RegionStats]:
    nation_rows = await ctx.fetch(
        select(
            N.c.group_name,
            func.count().label("nations"),
            func.coalesce(func.sum(N.c.gdp_usd), 0).label("gdp"),
            select(func.sum(N.c.gdp_usd)).scalar_subquery().label("total_gdp"),
        ).group_by(N.c.group_name)
    )
    project_rows = await ctx.fetch(
        select(
            N.c.group_name,
            func.count().label("projects"),
            func.count().filter(P.c.status == "active").label("active"),
            func.coalesce(func.sum(P.c.budget_usd), 0).label("budget"),
        )
        .select_from(P.join(N, N.c.code == P.c.nation_code))
        .group_by(N.c.group_name)
    )
    projects = {r.group_name: r for r in project_rows}
    totals = await store_of(ctx).group_totals(ctx)
    layout = load_layout()
    out = {}
    for r in nation_rows:
        group = Group(r.group_name)
        p = projects.get(r.group_name)
        out[group] = RegionStats(
            group=group,
            regions=[reg.code for reg in layout.in_group(group.value)],
            nations=int(r.nations),
            projects=int(p.projects) if p else 0,
            active_projects=int(p.active) if p else 0,
            budget_usd=float(p.budget) if p else 0.0,
            contributions_usd=contribution_usd(int(r.gdp), int(r.total_gdp or 0), ctx.settings.budget_usd) or 0.0,
            metrics=totals.get(r.group_name, []),
        )
    for group in Group:
        out.setdefault(
            group,
            RegionStats(group=group, regions=[reg.code for reg in layout.in_group(group.value)],
                        nations=0, projects=0, active_projects=0, budget_usd=0.0, contributions_usd=0.0,
                        metrics=[]),
        )
    return out


@strawberry.input
class MetricPointInput:
    kind: MetricKind
    value: float
    at: dt.datetime = strawberry.field(description="when the value was measured (UTC if no offset)")


@strawberry.input
class RecordMetricsInput:
    project_id: strawberry.ID
    points: list[MetricPointInput]


@strawberry.type
class RecordMetricsPayload:
    recorded: int
    project: Project


def _check_points(input: RecordMetricsInput) -> None:
    errors = InputErrors()
    if len(input.project_id) > 40:
        errors.add("projectId", "is at most 40 characters")
    if not input.points:
        errors.add("points", "must hold at least one point")
    if len(input.points) > MAX_POINTS:
        errors.add("points", f"must hold at most {MAX_POINTS} points")
    seen: set[tuple[MetricKind, dt.datetime]] = set()
    for i, point in enumerate(input.points[:MAX_POINTS]):
        where = f"points[{i}]"
        check_point(errors, where, point.kind, point.value, point.at)
        # Both stores keep instants to the millisecond: two points that differ below it are one.
        at = to_millis(point.at)
        if (point.kind, at) in seen:
            errors.add(f"{where}", "duplicates an earlier point of the same kind and time")
        seen.add((point.kind, at))
    errors.raise_if_any("recordMetrics input")


def _check_window(points: list[MetricPointInput], start: dt.date, end: dt.date | None) -> None:
    """Points fall within the project's life: from its start month (monthly figures are dated on
    the 1st) to the end of its end date."""
    first = dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC)
    last = dt.datetime.combine(end, dt.time.max, tzinfo=dt.UTC) if end is not None else None
    errors = InputErrors()
    for i, point in enumerate(points):
        at = to_millis(point.at)
        if at < first or (last is not None and at > last):
            until = f" to {end.isoformat()}" if end is not None else ""
            errors.add(f"points[{i}].at", f"must be within the project's window ({first.date().isoformat()}{until})")
    errors.raise_if_any("recordMetrics input")


async def write_points(
    conn: AsyncConnection, project_id: str, points: list[MetricPointInput], store: MetricsStore,
    *, region: str, actor: str,
) -> int:
    """The Postgres half of recordMetrics, in the caller's transaction: the points, their
    `metrics_recorded` events in the events outbox and, for a store fed from the metrics outbox,
    one `metrics_outbox` row per point id (applied to that store after commit)."""
    project = (
        await conn.execute(select(P.c.start_date, P.c.end_date, P.c.home_region).where(P.c.id == project_id))
    ).one_or_none()
    if project is None:
        raise user_error(f"no project {project_id!r}", NOT_FOUND)
    _check_window(points, project.start_date, project.end_date)
    stmt = insert(M).values(
        [{"project_id": project_id, "kind": p.kind.value, "value": p.value, "ts": to_millis(p.at)} for p in points]
    )
    # Re-recording a point (same project, kind and time) replaces its value: retries are safe.
    stmt = stmt.on_conflict_do_update(constraint="uq_metric_point", set_={"value": stmt.excluded.value})
    ids = (await conn.execute(stmt.returning(M.c.id))).scalars().all()
    if store.uses_outbox:
        outbox = insert(O).values([{"point_id": i} for i in ids])
        # Already pending (a re-record before the applier ran): it will apply the new value.
        await conn.execute(outbox.on_conflict_do_update(index_elements=["point_id"], set_={"enqueued_at": func.now()}))
    await events.metrics_recorded(
        conn, project_id, project.home_region, [Point(p.kind.value, p.value, to_millis(p.at)) for p in points],
        region=region, actor=actor,
    )
    return len(points)


@strawberry.type
class Query:
    @strawberry.field(description="Roll-up of one regional group: APAC, EMEA or AMERICAS", directives=[cached()])
    async def region_stats(self, info: strawberry.Info, group: Group) -> RegionStats:
        return (await _group_stats(info.context))[group]

    @strawberry.field(description="Platform events counted by the analytics consumer, per kind, region and day")
    async def event_counts(
        self,
        info: strawberry.Info,
        from_: FromDay = None,
        to: ToDay = None,
        kind: str | None = None,
        region: str | None = None,
    ) -> EventCounts:
        return await event_counts(info.context, from_, to, kind, region)

    @strawberry.field(directives=[cached()])
    async def global_covenant_stats(self, info: strawberry.Info) -> GlobalCovenantStats:
        groups = list((await _group_stats(info.context)).values())
        return GlobalCovenantStats(
            nations=sum(g.nations for g in groups),
            projects=sum(g.projects for g in groups),
            active_projects=sum(g.active_projects for g in groups),
            budget_usd=sum(g.budget_usd for g in groups),
            covenant_budget_usd=float(info.context.settings.budget_usd),
            contributions_usd=sum(g.contributions_usd for g in groups),
            metrics=combine_totals([g.metrics for g in groups]),
            groups=groups,
        )


@strawberry.type
class Mutation:
    # Writes need a token with the scope (the gateway enforces it; reads stay public).
    @strawberry.federation.mutation(
        description="Record points for one project: all of them, or none", requires_scopes=[["metrics:write"]]
    )
    async def record_metrics(self, info: strawberry.Info, input: RecordMetricsInput) -> RecordMetricsPayload:
        _check_points(input)
        ctx: RequestContext = info.context
        project_id = str(input.project_id)
        store = store_of(ctx)
        recorded = await ctx.write(
            lambda conn: write_points(
                conn, project_id, input.points, store, region=ctx.settings.region, actor=ctx.actor()
            )
        )
        await store.after_write(ctx)
        return RecordMetricsPayload(recorded=recorded, project=Project(id=strawberry.ID(project_id)))


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Project, Nation],
    extensions=EXTENSIONS,
    federation_version="2.5",
)
