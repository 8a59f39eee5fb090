"""Bucketing points in Python, with PostgreSQL's `date_trunc` semantics in UTC (weeks start on
Monday), for stores that keep raw points and cannot group by time themselves (Cassandra)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from subgraphs.metrics.series import MetricBucket, MetricKind, finite


class Point(NamedTuple):
    kind: str
    ts: dt.datetime  # aware, UTC
    value: float
    tie: str = ""  # orders points of the same instant (the project id in a nation's series)


def truncate(ts: dt.datetime, bucket: str) -> dt.datetime:
    if bucket == "raw":
        return ts
    if bucket == "hour":
        return ts.replace(minute=0, second=0, microsecond=0)
    day = ts.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "day":
        return day
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown bucket {bucket!r}")


def aggregate(points: Iterable[Point], bucket: str) -> list[MetricBucket]:
    """Buckets ordered by kind, then start (the order the SQL store returns them in)."""
    groups: dict[tuple[str, dt.datetime], list[Point]] = defaultdict(list)
    for point in points:
        groups[(point.kind, truncate(point.ts, bucket))].append(point)
    out = []
    for (kind, start), members in sorted(groups.items()):
        values = [finite(p.value) for p in members]  # stored before validation, or by hand
        total = sum(values)  # may overflow to inf: clamped below, as the SQL store clamps
        out.append(
            MetricBucket(
                kind=MetricKind(kind),
                start=start,
                value=finite(total / len(values)),
                min=min(values),
                max=max(values),
                sum=finite(total),
                last=finite(max(members, key=lambda p: (p.ts, p.tie)).value),
                count=len(values),
            )
        )
    return out


def years_between(start: dt.datetime | None, end: dt.datetime | None, years: Iterable[int]) -> list[int]:
    """The years of `years` that overlap [start, end)."""
    return [
        y for y in years
        if (start is None or y >= start.year)
        and (end is None or y < end.year or (y == end.year and end > end.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)))
    ]
