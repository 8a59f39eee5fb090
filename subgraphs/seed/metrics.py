"""Monthly metric points per project, from its own seeded random stream (deterministic)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping

from subgraphs.seed.projects import AS_OF, SEED


def _months(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    d = dt.date(start.year, start.month, 1)
    while d <= end:
        yield d
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def generate(project: Mapping[str, object]) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}:{project['id']}")
    start, end_date = project["start_date"], project["end_date"]
    assert isinstance(start, dt.date) and isinstance(end_date, dt.date)
    end = min(end_date, AS_OF)
    months = list(_months(start, end))
    if not months or project["status"] == "planned":
        return []
    final = float(project["progress"])  # type: ignore[arg-type]  # seed rows: numbers here
    budget = float(project["budget_usd"])  # type: ignore[arg-type]  # as above
    reach = rng.randrange(500, 200_000)
    points = []
    for i, month in enumerate(months, start=1):
        share = final * i / len(months)
        ts = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
        for kind, value in (
            ("progress", round(share, 4)),
            ("spend_usd", round(budget * share * rng.uniform(0.9, 1.1), 2)),
            ("beneficiaries", float(int(reach * share))),
            ("emissions_avoided_t", round(rng.uniform(0, 500) * share, 1)),
        ):
            points.append({"project_id": project["id"], "kind": kind, "value": value, "ts": ts})
    return points
