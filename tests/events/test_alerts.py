"""Alert rules on recorded metrics, raised once per episode, published to alerts.<group>.<severity>
through the outbox; followers get notifications.<projectId>."""

from __future__ import annotations

from typing import Any

from infra.nats import NatsServer
from tests.events.harness import (
    RECORD,
    Gql,
    Platform,
    create_project,
    event_settings,
    fetchval,
    outbox_rows,
    read_stream,
    running_relay,
)

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]

FOLLOW = 'mutation($p: ID!, $f: String!) { followProject(projectId: $p, follower: $f) { changed } }'


async def _record(gql: Gql, pid: str, *points: tuple[str, float, str]) -> None:
    body = await gql("metrics", RECORD, {"p": pid, "points": [{"kind": k, "value": v, "at": at} for k, v, at in points]})
    assert "errors" not in body, body


async def _alerts(platform: Platform, pid: str) -> list[dict[str, Any]]:
    return [r for r in await outbox_rows(platform.database_url, "subject LIKE 'alerts.%' AND payload->>'projectId' = $1", pid)]


async def test_spend_rules_raise_once_per_episode_and_notify_followers(platform: Platform, gql: Gql, nats_server: NatsServer) -> None:
    pid = await create_project(gql, "Alert spend", budget=1_000_000)
    for follower in ("erin", "frank"):
        assert (await gql("projects", FOLLOW, {"p": pid, "f": follower}))["data"]["followProject"]["changed"]
    await _record(gql, pid, ("SPEND_USD", 500_000, "2025-01-01T00:00:00Z"))
    assert await _alerts(platform, pid) == []
    await _record(gql, pid, ("SPEND_USD", 950_000, "2025-02-01T00:00:00Z"))
    await _record(gql, pid, ("SPEND_USD", 1_200_000, "2025-03-01T00:00:00Z"))
    await _record(gql, pid, ("SPEND_USD", 1_300_000, "2025-04-01T00:00:00Z"))  # still over: no new alert
    alerts = await _alerts(platform, pid)
    assert [(a["subject"], a["payload"]["rule"]) for a in alerts] == [
        ("alerts.emea.info", "spend_near_budget"),
        ("alerts.emea.critical", "spend_over_budget"),
    ]
    critical = alerts[1]["payload"]
    assert set(critical) == {"eventId", "id", "projectId", "group", "severity", "rule", "message", "at", "region"}
    assert critical["group"] == "EMEA" and critical["severity"] == "CRITICAL" and critical["projectId"] == pid
    assert "1,200,000" in critical["message"] and critical["eventId"] == alerts[1]["id"]
    stored = await fetchval(platform.database_url, "SELECT rule FROM alerts WHERE id = $1::uuid", critical["id"])
    assert stored == "spend_over_budget"

    notes = await outbox_rows(platform.database_url, "subject = $1", f"notifications.{pid}")
    assert sorted((n["payload"]["recipient"], n["payload"]["causeEventId"]) for n in notes) == sorted(
        (who, a["id"]) for a in alerts for who in ("erin", "frank")
    )
    assert all(n["payload"]["reason"] == "alert" for n in notes)

    # Back under budget, then over again: a new episode, a new alert.
    await _record(gql, pid, ("SPEND_USD", 100_000, "2025-05-01T00:00:00Z"))
    await _record(gql, pid, ("SPEND_USD", 2_000_000, "2025-06-01T00:00:00Z"))
    assert [a["payload"]["rule"] for a in await _alerts(platform, pid)][-1] == "spend_over_budget"
    assert len(await _alerts(platform, pid)) == 3

    # What the relay publishes: the same subjects and payloads, on ALERTS and NOTIFICATIONS.
    async with running_relay(platform.database_url, event_settings([nats_server.url])):
        got = await read_stream([nats_server.url], "ALERTS", wanted={a["id"] for a in alerts}, within=10)
        got_notes = await read_stream([nats_server.url], "NOTIFICATIONS", wanted={n["id"] for n in notes}, within=10)
    by_id = {m.msg_id: m for m in got}
    assert [(by_id[a["id"]].subject, by_id[a["id"]].payload) for a in alerts] == [(a["subject"], a["payload"]) for a in alerts]
    assert {m.subject for m in got_notes if m.msg_id in {n["id"] for n in notes}} == {f"notifications.{pid}"}


async def test_progress_stalled_for_n_days(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Alert stall")
    await _record(gql, pid, ("PROGRESS", 0.4, "2025-01-01T00:00:00Z"))
    await _record(gql, pid, ("PROGRESS", 0.4004, "2025-01-20T00:00:00Z"))  # < 30 days: not yet
    assert await _alerts(platform, pid) == []
    await _record(gql, pid, ("PROGRESS", 0.4005, "2025-02-15T00:00:00Z"))
    alerts = await _alerts(platform, pid)
    assert [(a["subject"], a["payload"]["rule"]) for a in alerts] == [("alerts.emea.warning", "progress_stalled")]
    await _record(gql, pid, ("PROGRESS", 0.4006, "2025-02-20T00:00:00Z"))  # still stalled: once
    await _record(gql, pid, ("PROGRESS", 0.6, "2025-03-01T00:00:00Z"))  # moving again
    await _record(gql, pid, ("PROGRESS", 0.6, "2025-04-15T00:00:00Z"))  # stalled again: a new alert
    assert [a["payload"]["rule"] for a in await _alerts(platform, pid)] == ["progress_stalled"] * 2


async def test_a_paused_project_does_not_stall(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Alert paused", status="PAUSED")
    await _record(gql, pid, ("PROGRESS", 0.4, "2025-01-01T00:00:00Z"), ("PROGRESS", 0.4, "2025-03-01T00:00:00Z"))
    assert await _alerts(platform, pid) == []


async def test_metric_outside_its_range(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Alert range", budget=1_000)
    population = await fetchval(platform.database_url, "SELECT population FROM nations WHERE code = 'KE'")
    await _record(gql, pid, ("BENEFICIARIES", float(population - 1), "2025-01-01T00:00:00Z"))
    assert await _alerts(platform, pid) == []
    await _record(
        gql, pid,
        ("BENEFICIARIES", float(population * 2), "2025-02-01T00:00:00Z"),
        ("BENEFICIARIES", float(population * 3), "2025-03-01T00:00:00Z"),  # one alert per kind and write
        ("EMISSIONS_AVOIDED_T", 5e8, "2025-02-01T00:00:00Z"),
    )
    alerts = [a["payload"] for a in await _alerts(platform, pid)]
    assert [(a["rule"], a["severity"]) for a in alerts] == [("metric_out_of_range", "WARNING")] * 2
    assert "BENEFICIARIES" in alerts[0]["message"] and "population" in alerts[0]["message"]
    assert "EMISSIONS_AVOIDED_T" in alerts[1]["message"]


async def test_an_update_notifies_followers(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Alert update")
    assert (await gql("projects", FOLLOW, {"p": pid, "f": "gina"}))["data"]["followProject"]["changed"]
    body = await gql("projects", 'mutation($id: ID!) { updateProject(id: $id, input: {status: PAUSED}) { id } }', {"id": pid})
    assert "errors" not in body, body
    (note,) = await outbox_rows(platform.database_url, "subject = $1", f"notifications.{pid}")
    (change,) = await outbox_rows(platform.database_url, "subject LIKE 'covenant.project.%' AND payload->>'id' = $1 AND payload->>'change' = 'updated'", pid)
    assert note["payload"]["recipient"] == "gina" and note["payload"]["reason"] == "project_updated"
    assert note["payload"]["causeEventId"] == change["id"] and "status" in note["payload"]["message"]
