"""Bucketed time-series queries over `metric_points`, batched for many owners at once."""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Float, Numeric, Select, cast, func, literal_column, select

from subgraphs.common.errors import user_error
from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import projects as P

MAX_BUCKETS = 10_000


@strawberry.enum
class MetricKind(Enum):
    PROGRESS = "progress"
    SPEND_USD = "spend_usd"
    BENEFICIARIES = "beneficiaries"
    EMISSIONS_AVOIDED_T = "emissions_avoided_t"


@strawberry.enum
class Bucket(Enum):
    RAW = "raw"  # every point on its own: start is its timestamp, count is 1
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


BUCKET_LENGTH = {
    Bucket.RAW: dt.timedelta(0),
    Bucket.HOUR: dt.timedelta(hours=1),
    Bucket.DAY: dt.timedelta(days=1),
    Bucket.WEEK: dt.timedelta(weeks=1),
    Bucket.MONTH: dt.timedelta(days=28),
    Bucket.YEAR: dt.timedelta(days=365),
}


@strawberry.type(description="Aggregate of the points of one kind within one time bucket")
class MetricBucket:
    kind: MetricKind
    start: dt.datetime
    value: float = strawberry.field(description="mean of the points in the bucket")
    min: float
    max: float
    sum: float
    last: float = strawberry.field(description="the latest point in the bucket")
    count: int


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def check_range(start: dt.datetime | None, end: dt.datetime | None, bucket: Bucket) -> None:
    if start is not None and end is not None:
        if utc(end) <= utc(start):
            raise user_error("`to` must be after `from`")
        length = BUCKET_LENGTH[bucket]
        if length and (utc(end) - utc(start)) / length > MAX_BUCKETS:
            raise user_error(f"range too long for bucket {bucket.name}: over {MAX_BUCKETS} buckets")


# The largest finite float8: a numeric aggregate is clamped to it before it becomes a float.
_FLOAT8_MAX = 1.7976931348623157e308


def finite(value: float) -> float:
    """The Python side of `clamped`, for stores that aggregate in Python (Cassandra): into float8's
    range, NaN as the largest value (PostgreSQL's numeric orders NaN above every number)."""
    if math.isnan(value):
        return _FLOAT8_MAX
    return max(-_FLOAT8_MAX, min(_FLOAT8_MAX, value))


def clamped(numeric: Any) -> Any:
    """Sum and mean in `numeric` (float8 arithmetic raises on overflow: one absurd stored value
    would fail every series that includes it), then clamped into float8's range."""
    return cast(func.greatest(func.least(numeric, _FLOAT8_MAX), -_FLOAT8_MAX), Float)


SeriesShape = tuple[str | None, dt.datetime | None, dt.datetime | None, str]


def bucketed(owner: Any, owners: list[str], shape: SeriesShape) -> Select[Any]:
    """`owner` is the column that groups series (a project id, or a nation code via projects)."""
    kind, start, end, bucket = shape
    # date_trunc in UTC, whatever the session's time zone.
    utc_ts = func.timezone("UTC", M.c.ts)
    start_col = (utc_ts if bucket == Bucket.RAW.value else func.date_trunc(bucket, utc_ts)).label("start")
    query = (
        select(
            owner.label("owner"),
            M.c.kind,
            start_col,
            clamped(func.avg(cast(M.c.value, Numeric))).label("avg"),
            clamped(func.min(cast(M.c.value, Numeric))).label("min"),
            clamped(func.max(cast(M.c.value, Numeric))).label("max"),
            clamped(func.sum(cast(M.c.value, Numeric))).label("sum"),
            func.count().label("count"),
            clamped(literal_column("((array_agg(metric_points.value ORDER BY metric_points.ts DESC))[1])::numeric")).label("last"),
        )
        .select_from(M.join(P, P.c.id == M.c.project_id))
        .where(owner.in_(owners))
    )
    if kind is not None:
        query = query.where(M.c.kind == kind)
    if start is not None:
        query = query.where(M.c.ts >= utc(start))
    if end is not None:
        query = query.where(M.c.ts < utc(end))
    return query.group_by(owner, M.c.kind, start_col).order_by(owner, M.c.kind, start_col)


def to_bucket(row: Any) -> MetricBucket:
    return MetricBucket(
        kind=MetricKind(row.kind),
        start=row.start.replace(tzinfo=dt.UTC),
        value=float(row.avg),
        min=float(row.min),
        max=float(row.max),
        sum=float(row.sum),
        last=float(row.last),
        count=int(row.count),
    )


@strawberry.type(description="Totals of every point of one kind, over all time")
class MetricTotal:
    kind: MetricKind
    points: int
    sum: float
    min: float
    max: float


def combine_totals(parts: list[list[MetricTotal]]) -> list[MetricTotal]:
    """Totals of several groups as one (global from the groups), ordered by kind."""
    by_kind: dict[MetricKind, MetricTotal] = {}
    for totals in parts:
        for t in totals:
            seen = by_kind.get(t.kind)
            by_kind[t.kind] = t if seen is None else MetricTotal(
                kind=t.kind, points=seen.points + t.points, sum=seen.sum + t.sum,
                min=min(seen.min, t.min), max=max(seen.max, t.max),
            )
    return [by_kind[k] for k in sorted(by_kind, key=lambda k: k.value)]


def to_millis(ts: dt.datetime) -> dt.datetime:
    """Instants are kept to the millisecond (Cassandra's `timestamp`): both stores agree."""
    ts = utc(ts)
    return ts.replace(microsecond=ts.microsecond // 1000 * 1000)
