"""The domain benchmark's writes pass the subgraphs' own input rules (a refused write is a failed
write in its report): progress only where the status allows it, metric points inside the
project's window and not in the future. Checked with the subgraphs' validators themselves."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from graphql import GraphQLError

from bench.domain.writes import ProjectFacts, point_time, update_input
from subgraphs.common.errors import InputErrors
from subgraphs.metrics.schema import MetricPointInput, _check_window
from subgraphs.metrics.series import MetricKind
from subgraphs.metrics.validation import check_point
from subgraphs.projects.validation import check_progress, check_status_progress

NOW = dt.datetime(2026, 12, 1, 18, 30, tzinfo=dt.UTC)
PROJECTS = [
    ProjectFacts("planned", "PLANNED", dt.date(2026, 3, 1), dt.date(2029, 1, 1)),
    ProjectFacts("planned-next-year", "PLANNED", dt.date(2027, 6, 15), None),
    ProjectFacts("active", "ACTIVE", dt.date(2024, 2, 10), None),
    ProjectFacts("active-ending-later", "ACTIVE", dt.date(2024, 2, 10), dt.date(2027, 1, 1)),
    ProjectFacts("paused", "PAUSED", dt.date(2023, 1, 1), dt.date(2026, 12, 1)),
    ProjectFacts("completed", "COMPLETED", dt.date(2019, 5, 20), dt.date(2022, 3, 14)),
    ProjectFacts("cancelled", "CANCELLED", dt.date(2020, 11, 1), dt.date(2023, 9, 16)),
    ProjectFacts("before-metrics", "COMPLETED", dt.date(1994, 1, 1), dt.date(1998, 6, 30)),
]
STATUS = {"PLANNED": "planned", "ACTIVE": "active", "PAUSED": "paused", "COMPLETED": "completed", "CANCELLED": "cancelled"}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.id)
def test_an_update_passes_the_projects_rules(project: ProjectFacts) -> None:
    rng = random.Random(7)
    for _ in range(50):
        given = update_input(project, f"Project {project.id}", rng)
        errors = InputErrors()
        if "progress" in given:
            check_progress(errors, given["progress"])
            check_status_progress(errors, STATUS[project.status], given["progress"])
        errors.raise_if_any("updateProject input")
        assert given["name"]


def test_progress_is_written_where_the_status_leaves_it_free() -> None:
    rng = random.Random(1)
    assert {p.id for p in PROJECTS if "progress" in update_input(p, "n", rng)} == {
        "active", "active-ending-later", "paused", "cancelled",
    }


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.id)
def test_a_point_is_dated_inside_the_window_or_not_at_all(project: ProjectFacts) -> None:
    at = point_time(project, NOW, elapsed_ms=123_456)
    if project.id in ("planned-next-year", "before-metrics"):
        assert at is None  # no time of its window is both past and accepted
        return
    assert at is not None and at <= NOW
    point = MetricPointInput(kind=MetricKind.BENEFICIARIES, value=1.0, at=at)
    errors = InputErrors()
    check_point(errors, "points[0]", point.kind, point.value, point.at)
    errors.raise_if_any("recordMetrics input")
    _check_window([point], project.start, project.end)  # raises when outside


def test_an_ended_projects_points_are_its_last_days_and_later_each_time() -> None:
    completed = PROJECTS[5]
    first, later = point_time(completed, NOW, 1_000), point_time(completed, NOW, 2_000)
    assert first is not None and later is not None and first.date() == later.date() == completed.end
    assert later > first  # the latest point of its month, as the own-write check reads it back
    assert point_time(completed, NOW, 10**9) is not None  # capped inside the last day


def test_the_subgraph_refuses_what_the_old_workload_sent() -> None:
    """The rules these writes follow are real: now-dated points of an ended project are refused."""
    point = MetricPointInput(kind=MetricKind.BENEFICIARIES, value=1.0, at=NOW)
    with pytest.raises(GraphQLError, match="window"):
        _check_window([point], PROJECTS[5].start, PROJECTS[5].end)
