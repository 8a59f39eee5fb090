"""Checks on one metric point, shared by `recordMetrics` and offline sync's pushed points."""

from __future__ import annotations

import datetime as dt
import math

from subgraphs.common.errors import InputErrors
from subgraphs.metrics.series import MetricKind, utc

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def check_point(errors: InputErrors, where: str, kind: MetricKind, value: float, at: dt.datetime) -> None:
    """`where` prefixes the field names reported (e.g. `points[3]`)."""
    if not math.isfinite(value):
        errors.add(f"{where}.value", "must be a finite number")
    elif kind is MetricKind.PROGRESS and not 0.0 <= value <= 1.0:
        errors.add(f"{where}.value", "PROGRESS must be between 0 and 1")
    elif value < 0:
        errors.add(f"{where}.value", f"{kind.name} must not be negative")
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    if not EARLIEST <= utc(at) <= latest:
        errors.add(f"{where}.at", "must be between 2000-01-01 and tomorrow")
