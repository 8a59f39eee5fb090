"""`Query.eventCounts`: what the analytics consumer counted (table `event_counts`), per kind, per
region and per UTC day. Kinds: metric_recorded, project_created, project_updated, alert_raised,
notification, audit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import func, select

from subgraphs.common.context import RequestContext
from subgraphs.common.errors import user_error
from subgraphs.db.tables import event_counts as E

MAX_DAYS = 3660


@strawberry.type(description="Events counted under one key (a kind or a region)")
class EventCount:
    key: str
    count: int


@strawberry.type(description="Events of one kind from one region on one UTC day")
class EventDayCount:
    day: dt.date
    kind: str
    region: str
    count: int


@strawberry.type(description="Every event published on the platform's streams, counted once")
class EventCounts:
    total: int
    by_kind: list[EventCount]
    by_region: list[EventCount]
    by_day: list[EventDayCount] = strawberry.field(description="day, then kind, then region order")


FromDay = Annotated[dt.date | None, strawberry.argument(name="from", description="first day, inclusive (UTC)")]
ToDay = Annotated[dt.date | None, strawberry.argument(description="last day, inclusive (UTC)")]


async def event_counts(
    ctx: RequestContext, start: dt.date | None, end: dt.date | None, kind: str | None, region: str | None
) -> EventCounts:
    if start is not None and end is not None:
        if end < start:
            raise user_error("`to` must not be before `from`")
        if (end - start).days > MAX_DAYS:
            raise user_error(f"at most {MAX_DAYS} days at once")
    query = select(E.c.day, E.c.kind, E.c.region, func.sum(E.c.count).label("n")).group_by(E.c.day, E.c.kind, E.c.region)
    if start is not None:
        query = query.where(E.c.day >= start)
    if end is not None:
        query = query.where(E.c.day <= end)
    if kind is not None:
        query = query.where(E.c.kind == kind)
    if region is not None:
        query = query.where(E.c.region == region)
    rows = await ctx.fetch(query.order_by(E.c.day, E.c.kind, E.c.region))
    by_kind: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + int(r.n)
        by_region[r.region] = by_region.get(r.region, 0) + int(r.n)
    return EventCounts(
        total=sum(by_kind.values()),
        by_kind=[EventCount(key=k, count=v) for k, v in sorted(by_kind.items())],
        by_region=[EventCount(key=k, count=v) for k, v in sorted(by_region.items())],
        by_day=[EventDayCount(day=r.day, kind=r.kind, region=r.region, count=int(r.n)) for r in rows],
    )
