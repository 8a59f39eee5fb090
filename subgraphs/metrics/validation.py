"""Checks on one metric point, shared by `recordMetrics` and offline sync's pushed points."""

from __future__ import annotations

import datetime as dt
import math

from subgraphs.common.errors import InputErrors
from subgraphs.metrics.series import MetricKind, utc

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# What a value of each kind can be: a project's progress is a share, its spend at most the largest
# budget a project may have, beneficiaries at most everyone alive, emissions avoided at most about
# the world's yearly CO2 output (t). Bounded values keep every aggregate far from overflowing.
KIND_RANGE: dict[MetricKind, tuple[float, float]] = {
    MetricKind.PROGRESS: (0.0, 1.0),
    MetricKind.SPEND_USD: (0.0, 1e12),
    MetricKind.BENEFICIARIES: (0.0, 1e10),
    MetricKind.EMISSIONS_AVOIDED_T: (0.0, 1e11),
}


def check_point(errors: InputErrors, where: str, kind: MetricKind, value: float, at: dt.datetime) -> None:
    """`where` prefixes the field names reported (e.g. `points[3]`)."""
    low, high = KIND_RANGE[kind]
    if not math.isfinite(value):
        errors.add(f"{where}.value", "must be a finite number")
    elif not low <= value <= high:
        errors.add(f"{where}.value", f"{kind.name} must be between {low:g} and {high:g}")
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    if not EARLIEST <= utc(at) <= latest:
        errors.add(f"{where}.at", "must be between 2000-01-01 and tomorrow")
