"""The benchmark's writes, valid by the subgraphs' input rules (a refused write is a failure, not
part of the mix): `updateProject` sets a progress only where the status allows any (a PLANNED
project's is 0, a COMPLETED one's 1: those get a rename only), and `recordMetrics` dates its point
inside the project's window (from its start month to the end of its end date) and not after now."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

# Statuses whose progress is fixed by the status (subgraphs.projects.validation.check_status_progress).
FIXED_PROGRESS = frozenset({"PLANNED", "COMPLETED"})
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # metric points before this are refused
_STARTED = time.monotonic()


@dataclass(frozen=True)
class ProjectFacts:
    """What decides which writes a project accepts, read from the stack before the run."""

    id: str
    status: str  # the schema's ProjectStatus name: PLANNED, ACTIVE, PAUSED, COMPLETED, CANCELLED
    start: dt.date
    end: dt.date | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> ProjectFacts:
        end = node.get("endDate")
        return cls(node["id"], node["status"], dt.date.fromisoformat(node["startDate"]),
                   dt.date.fromisoformat(end) if end else None)


def update_input(project: ProjectFacts, name: str, rng: random.Random) -> dict[str, Any]:
    if project.status in FIXED_PROGRESS:
        return {"name": name}
    return {"name": name, "progress": round(rng.random(), 4)}


def point_time(project: ProjectFacts, now: dt.datetime, elapsed_ms: int | None = None) -> dt.datetime | None:
    """When a point recorded now for `project` is dated; None when its window has no time at or
    before now (it starts in the future, or ended before metrics are accepted).

    A running project's point is dated now; an ended one's on its last day, later by the time
    this process has run (so each write of a project is its month's latest point, as the
    own-write check expects, and two writes never share a time)."""
    first = dt.datetime(project.start.year, project.start.month, 1, tzinfo=dt.UTC)
    if project.end is None or now <= dt.datetime.combine(project.end, dt.time.max, tzinfo=dt.UTC):
        at = now
    else:
        if elapsed_ms is None:
            elapsed_ms = int((time.monotonic() - _STARTED) * 1000)
        at = dt.datetime.combine(project.end, dt.time.min, tzinfo=dt.UTC) + dt.timedelta(
            milliseconds=min(elapsed_ms, 86_399_000)
        )
    if at < first or at < EARLIEST:
        return None
    return at
