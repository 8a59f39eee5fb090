"""Builders for the subjects and payloads described in `subgraphs.events` (the one place they are
spelled), and the parsing consumers use."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

STREAM_SUBJECTS = {
    "COVENANT": "covenant.>",
    "ALERTS": "alerts.>",
    "NOTIFICATIONS": "notifications.>",
    "AUDIT": "audit.>",
}
GROUP_ENUM = {"EMEA": "EMEA", "APAC": "APAC", "Americas": "AMERICAS", "AMERICAS": "AMERICAS"}
SEVERITIES = ("INFO", "WARNING", "CRITICAL")
# A subject token: no dots, wildcards or whitespace (ids and region codes never have them; a
# stray one must not split or widen a subject).
_UNSAFE = re.compile(r"[.*>\s]")


def token(value: str) -> str:
    cleaned = _UNSAFE.sub("_", value.lower())
    if not cleaned:
        raise ValueError("empty subject token")
    return cleaned


def iso(at: dt.datetime) -> str:
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return at.isoformat(timespec="microseconds").replace("+00:00", "Z")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class OutboxEvent:
    """One row for the outbox: its id is the event id and the message's Nats-Msg-Id."""

    id: str
    subject: str
    payload: dict[str, Any]


def _new(subject: str, payload: dict[str, Any]) -> OutboxEvent:
    event_id = str(uuid.uuid4())
    return OutboxEvent(event_id, subject, {"eventId": event_id, **payload})


def metric_recorded(project_id: str, region: str, kind: str, value: float, at: dt.datetime) -> OutboxEvent:
    return _new(
        f"covenant.metric.{token(region)}.{token(project_id)}",
        {"projectId": project_id, "kind": kind, "value": float(value), "at": iso(at), "region": region},
    )


def project_changed(
    project_id: str, region: str, change: str, at: dt.datetime, fields: Sequence[str] = ()
) -> OutboxEvent:
    """`fields`: for an update, the schema's names of the input fields it set (consumers such as
    the gateway's entity cache evict only what those fields feed)."""
    assert change in ("created", "updated")
    payload: dict[str, Any] = {"id": project_id, "region": region, "change": change, "at": iso(at)}
    if change == "updated":
        payload["fields"] = list(fields)
    return _new(f"covenant.project.{token(region)}.{token(project_id)}", payload)


def alert_raised(
    alert_id: str, project_id: str, region: str, group: str, severity: str, rule: str, message: str, at: dt.datetime
) -> OutboxEvent:
    group_enum = GROUP_ENUM[group]
    assert severity in SEVERITIES
    return _new(
        f"alerts.{group_enum.lower()}.{severity.lower()}",
        {
            "id": alert_id, "projectId": project_id, "group": group_enum, "severity": severity,
            "rule": rule, "message": message, "at": iso(at), "region": region,
        },
    )


def notification(
    project_id: str, region: str, recipient: str, reason: str, cause_event_id: str, message: str, at: dt.datetime
) -> OutboxEvent:
    return _new(
        f"notifications.{token(project_id)}",
        {
            "projectId": project_id, "region": region, "recipient": recipient, "reason": reason,
            "causeEventId": cause_event_id, "message": message, "at": iso(at),
        },
    )


def audit(
    region: str, kind: str, actor: str, operation: str, target_type: str, target_id: str,
    details: dict[str, Any], at: dt.datetime,
) -> OutboxEvent:
    return _new(
        f"audit.{token(region)}.{token(kind)}",
        {
            "region": region, "kind": kind, "actor": actor, "operation": operation,
            "target": {"type": target_type, "id": target_id}, "details": details, "at": iso(at),
        },
    )


def event_kind(subject: str, payload: dict[str, Any]) -> str:
    """What the analytics count an event as: metric_recorded, project_created, project_updated,
    alert_raised, notification, audit."""
    head = subject.split(".", 2)
    if head[0] == "covenant" and len(head) > 1:
        if head[1] == "metric":
            return "metric_recorded"
        if head[1] == "project":
            return f"project_{payload.get('change', 'updated')}"
    return {"alerts": "alert_raised", "notifications": "notification", "audit": "audit"}.get(head[0], head[0])


def event_region(subject: str, payload: dict[str, Any]) -> str:
    region = payload.get("region")
    if isinstance(region, str) and region:
        return region
    parts = subject.split(".")
    if parts[0] == "covenant" and len(parts) > 2:
        return parts[2]
    if parts[0] == "audit" and len(parts) > 1:
        return parts[1]
    return "unknown"
