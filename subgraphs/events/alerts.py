"""Alert rules, evaluated on recorded metrics inside the `recordMetrics` transaction.

Rules (thresholds from the environment, read once):
- spend_over_budget (CRITICAL): the project's latest SPEND_USD (spend is cumulative) is above its
  budget. spend_near_budget (INFO): at or above CHARTER_ALERT_SPEND_NEAR_RATIO (0.9) of it.
- progress_stalled (WARNING): an active project's latest PROGRESS is below 1 and has moved less than
  CHARTER_ALERT_STALL_MIN_DELTA (0.001) since its last point at least CHARTER_ALERT_STALL_DAYS (30)
  days earlier.
- metric_out_of_range (WARNING): a point beyond its kind's plausible range: BENEFICIARIES above the
  nation's population, EMISSIONS_AVOIDED_T above CHARTER_ALERT_MAX_EMISSIONS_AVOIDED_T (1e8 t),
  SPEND_USD above CHARTER_ALERT_MAX_SPEND_RATIO (10) times the budget. (Impossible values, such as
  negative ones, are refused by input validation and never get here.)

The spend and stall rules are stateful (`alert_state`): an alert is raised when the condition
starts to hold, not again for each later point while it keeps holding; when it stops holding, the
next time it holds raises again. The upsert that flips the state is what decides, so two
concurrent writes for one project raise one alert.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.db.tables import alerts as A
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.events import contract
from subgraphs.events.contract import OutboxEvent
from subgraphs.events.followers import notify_followers


@dataclass(frozen=True)
class AlertRules:
    stall_days: float = 30.0
    stall_min_delta: float = 0.001
    spend_near_ratio: float = 0.9
    max_spend_ratio: float = 10.0
    max_emissions_avoided_t: float = 1e8

    @classmethod
    def from_env(cls) -> AlertRules:
        env = os.environ
        return cls(
            stall_days=float(env.get("CHARTER_ALERT_STALL_DAYS", cls.stall_days)),
            stall_min_delta=float(env.get("CHARTER_ALERT_STALL_MIN_DELTA", cls.stall_min_delta)),
            spend_near_ratio=float(env.get("CHARTER_ALERT_SPEND_NEAR_RATIO", cls.spend_near_ratio)),
            max_spend_ratio=float(env.get("CHARTER_ALERT_MAX_SPEND_RATIO", cls.max_spend_ratio)),
            max_emissions_avoided_t=float(
                env.get("CHARTER_ALERT_MAX_EMISSIONS_AVOIDED_T", cls.max_emissions_avoided_t)
            ),
        )


@functools.cache
def configured_rules() -> AlertRules:
    return AlertRules.from_env()


@dataclass(frozen=True)
class Point:
    kind: str  # the stored value: progress, spend_usd, beneficiaries, emissions_avoided_t
    value: float
    at: dt.datetime


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str


_FLIP = text(
    """
    INSERT INTO alert_state (project_id, rule, active) VALUES (:p, :rule, :active)
    ON CONFLICT (project_id, rule) DO UPDATE SET active = EXCLUDED.active, changed_at = now()
    WHERE alert_state.active IS DISTINCT FROM EXCLUDED.active
    RETURNING active
    """
)
_LATEST = text(
    "SELECT value, ts FROM metric_points WHERE project_id = :p AND kind = :kind ORDER BY ts DESC LIMIT 1"
)
_BEFORE = text(
    "SELECT value FROM metric_points WHERE project_id = :p AND kind = :kind AND ts <= :before"
    " ORDER BY ts DESC LIMIT 1"
)


async def _started(conn: AsyncConnection, project_id: str, rule: str, holds: bool) -> bool:
    """Record whether `rule` holds; True only when it has just started to."""
    changed = (await conn.execute(_FLIP, {"p": project_id, "rule": rule, "active": holds})).scalar_one_or_none()
    return bool(changed) and holds


async def _spend(conn: AsyncConnection, project: Any, rules: AlertRules) -> list[Finding]:
    row = (await conn.execute(_LATEST, {"p": project.id, "kind": "spend_usd"})).one_or_none()
    if row is None or project.budget_usd <= 0:
        return []
    ratio = row.value / project.budget_usd
    found = []
    if await _started(conn, project.id, "spend_over_budget", ratio > 1.0):
        found.append(Finding(
            "spend_over_budget", "CRITICAL",
            f"{project.name}: spend {row.value:,.0f} USD is over its budget of {project.budget_usd:,.0f} USD ({ratio:.0%})",
        ))
    if await _started(conn, project.id, "spend_near_budget", rules.spend_near_ratio <= ratio <= 1.0):
        found.append(Finding(
            "spend_near_budget", "INFO",
            f"{project.name}: spend {row.value:,.0f} USD has reached {ratio:.0%} of its budget",
        ))
    return found


async def _stall(conn: AsyncConnection, project: Any, rules: AlertRules) -> list[Finding]:
    latest = (await conn.execute(_LATEST, {"p": project.id, "kind": "progress"})).one_or_none()
    stalled = False
    base = None
    if latest is not None and project.status == "active" and latest.value < 1.0:
        before = latest.ts - dt.timedelta(days=rules.stall_days)
        base = (await conn.execute(_BEFORE, {"p": project.id, "kind": "progress", "before": before})).scalar_one_or_none()
        stalled = base is not None and latest.value - base < rules.stall_min_delta
    if await _started(conn, project.id, "progress_stalled", stalled):
        assert latest is not None  # stalled: there is a latest point
        return [Finding(
            "progress_stalled", "WARNING",
            f"{project.name}: progress has stayed at {latest.value:.1%} for {rules.stall_days:g} days or more",
        )]
    return []


def _out_of_range(project: Any, points: Sequence[Point], rules: AlertRules) -> list[Finding]:
    limits = {
        "beneficiaries": (float(project.population), "the nation's population") if project.population else None,
        "emissions_avoided_t": (rules.max_emissions_avoided_t, "the plausible maximum"),
        "spend_usd": (rules.max_spend_ratio * project.budget_usd, f"{rules.max_spend_ratio:g} times the budget"),
    }
    found, seen = [], set()
    for p in points:
        limit = limits.get(p.kind)
        if limit is None or p.kind in seen or p.value <= limit[0]:
            continue
        seen.add(p.kind)  # one alert per kind and write, however many points exceed it
        found.append(Finding(
            "metric_out_of_range", "WARNING",
            f"{project.name}: {p.kind.upper()} {p.value:,.0f} at {contract.iso(p.at)} is above {limit[1]} ({limit[0]:,.0f})",
        ))
    return found


async def evaluate(
    conn: AsyncConnection, project_id: str, points: Sequence[Point], rules: AlertRules | None = None
) -> list[OutboxEvent]:
    """Alert events (and their follower notifications) for points just written on `conn`."""
    rules = rules or configured_rules()
    project = (
        await conn.execute(
            select(P.c.id, P.c.name, P.c.status, P.c.budget_usd, P.c.home_region, N.c.group_name, N.c.population)
            .select_from(P.join(N, N.c.code == P.c.nation_code))
            .where(P.c.id == project_id)
        )
    ).one()
    kinds = {p.kind for p in points}
    findings = _out_of_range(project, points, rules)
    if "spend_usd" in kinds:
        findings += await _spend(conn, project, rules)
    if "progress" in kinds:
        findings += await _stall(conn, project, rules)
    if not findings:
        return []
    at = contract.now()
    group = contract.GROUP_ENUM[project.group_name]
    events: list[OutboxEvent] = []
    rows = []
    for f in findings:
        alert_id = str(uuid.uuid4())
        rows.append({
            "id": alert_id, "project_id": project_id, "rule": f.rule, "severity": f.severity,
            "group_name": group, "message": f.message, "at": at,
        })
        event = contract.alert_raised(alert_id, project_id, project.home_region, group, f.severity, f.rule, f.message, at)
        events.append(event)
        events += await notify_followers(conn, project_id, project.home_region, "alert", event.id, f.message, at)
    await conn.execute(A.insert(), rows)
    return events
