"""The events of each mutation, written to the outbox on the mutation's own connection.

Each function is called inside the mutation's transaction, after its change: the change, its
events (covenant, alerts, notifications) and its audit record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.events import contract
from subgraphs.events.alerts import Point, evaluate
from subgraphs.events.followers import notify_followers
from subgraphs.events.outbox import enqueue
from subgraphs.metrics.series import MetricKind


def _kind_name(stored: str) -> str:
    """The MetricKind name the schema shows ("spend_usd" -> "SPEND_USD")."""
    return MetricKind(stored).name


async def project_created(conn: AsyncConnection, row: Any, *, region: str, actor: str) -> None:
    at = contract.now()
    await enqueue(conn, [
        contract.project_changed(row.id, row.home_region, "created", at),
        contract.audit(region, "project_created", actor, "createProject", "Project", row.id,
                       {"name": row.name, "homeRegion": row.home_region, "nationCode": row.nation_code}, at),
    ])


async def project_updated(
    conn: AsyncConnection, row: Any, changed: Sequence[str], *, region: str, actor: str
) -> None:
    at = contract.now()
    change = contract.project_changed(row.id, row.home_region, "updated", at, changed)
    message = f"{row.name} was updated ({', '.join(changed)})"
    events = [
        change,
        contract.audit(region, "project_updated", actor, "updateProject", "Project", row.id, {"fields": list(changed)}, at),
        *await notify_followers(conn, row.id, row.home_region, "project_updated", change.id, message, at),
    ]
    await enqueue(conn, events)


async def metrics_recorded(
    conn: AsyncConnection, project_id: str, home_region: str, points: Sequence[Point], *, region: str, actor: str
) -> None:
    at = contract.now()
    events = [contract.metric_recorded(project_id, home_region, _kind_name(p.kind), p.value, p.at) for p in points]
    events += await evaluate(conn, project_id, points)
    kinds = sorted({_kind_name(p.kind) for p in points})
    events.append(
        contract.audit(region, "metrics_recorded", actor, "recordMetrics", "Project", project_id,
                       {"points": len(points), "kinds": kinds}, at)
    )
    await enqueue(conn, events)


async def follow_changed(
    conn: AsyncConnection, project_id: str, follower: str, following: bool, *, region: str, actor: str
) -> None:
    kind, operation = ("project_followed", "followProject") if following else ("project_unfollowed", "unfollowProject")
    await enqueue(conn, [
        contract.audit(region, kind, actor, operation, "Project", project_id, {"follower": follower}, contract.now()),
    ])
