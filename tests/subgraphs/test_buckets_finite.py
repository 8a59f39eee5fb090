"""Bucketing in Python (the Cassandra store's read path) keeps every aggregate a finite float, as
the SQL store does with `numeric` and a clamp: absurd stored values (written before validation,
or by hand, then replayed) must not make a series unservable (GraphQL's Float has no inf/NaN)."""

from __future__ import annotations

import datetime as dt
import math

from subgraphs.metrics.buckets import Point, aggregate
from subgraphs.metrics.series import finite

FLOAT8_MAX = 1.7976931348623157e308


def test_absurd_values_give_finite_aggregates() -> None:
    t = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    points = [
        Point("spend_usd", t, 1e308), Point("spend_usd", t + dt.timedelta(days=1), 1.5e308),
        Point("spend_usd", t + dt.timedelta(days=2), math.inf), Point("spend_usd", t + dt.timedelta(days=3), math.nan),
    ]
    (year,) = aggregate(points, "year")
    assert year.count == 4
    for value in (year.value, year.min, year.max, year.sum, year.last):
        assert math.isfinite(value) and abs(value) <= FLOAT8_MAX
    assert year.sum == FLOAT8_MAX and year.min == 1e308


def test_finite_clamps_like_the_sql_store() -> None:
    assert finite(2.5) == 2.5
    assert finite(-math.inf) == -FLOAT8_MAX and finite(math.inf) == FLOAT8_MAX
    assert finite(math.nan) == FLOAT8_MAX  # numeric orders NaN above every number
