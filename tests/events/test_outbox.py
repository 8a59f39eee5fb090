"""Every mutation writes its events, in the contract's shapes, in its own transaction."""

from __future__ import annotations

import base64
import json
import re

from tests.events.harness import RECORD, Gql, Platform, create_project, outbox_rows

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _jwt(claims: dict[str, object]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"Bearer eyJhbGciOiJIUzI1NiJ9.{part}.c2ln"


async def _latest_seq(platform: Platform) -> int:
    rows = await outbox_rows(platform.database_url, "seq = (SELECT max(seq) FROM outbox)")
    return rows[0]["seq"] if rows else 0


async def test_create_project_writes_a_project_event_and_an_audit_record(platform: Platform, gql: Gql) -> None:
    before = await _latest_seq(platform)
    pid = await create_project(gql, "Outbox wind farm", region="sin", headers={"x-charter-subject": "alice@example.org"})
    rows = await outbox_rows(platform.database_url, "seq > $1", before)
    assert [r["subject"] for r in rows] == [f"covenant.project.sin.{pid}", "audit.ams.project_created"]
    project, audit = rows[0]["payload"], rows[1]["payload"]
    assert project == {"eventId": rows[0]["id"], "id": pid, "region": "sin", "change": "created", "at": project["at"]}
    assert ISO_Z.match(project["at"])
    assert audit["actor"] == "alice@example.org" and audit["operation"] == "createProject"
    assert audit["target"] == {"type": "Project", "id": pid} and audit["region"] == "ams"
    assert audit["eventId"] == rows[1]["id"]


async def test_record_metrics_writes_one_event_per_point(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Outbox metrics")
    before = await _latest_seq(platform)
    points = [
        {"kind": "PROGRESS", "value": 0.25, "at": "2025-03-01T00:00:00Z"},
        {"kind": "BENEFICIARIES", "value": 1200, "at": "2025-03-01T12:30:00+02:00"},
    ]
    body = await gql("metrics", RECORD, {"p": pid, "points": points}, {"authorization": _jwt({"sub": "bob"})})
    assert body["data"]["recordMetrics"]["recorded"] == 2, body
    rows = await outbox_rows(platform.database_url, "seq > $1", before)
    metric = [r for r in rows if r["subject"].startswith("covenant.metric.")]
    assert [r["subject"] for r in metric] == [f"covenant.metric.ams.{pid}"] * 2
    assert [r["payload"] for r in metric] == [
        {"eventId": metric[0]["id"], "projectId": pid, "kind": "PROGRESS", "value": 0.25,
         "at": "2025-03-01T00:00:00.000000Z", "region": "ams"},
        {"eventId": metric[1]["id"], "projectId": pid, "kind": "BENEFICIARIES", "value": 1200.0,
         "at": "2025-03-01T10:30:00.000000Z", "region": "ams"},
    ]
    (audit,) = [r["payload"] for r in rows if r["subject"] == "audit.ams.metrics_recorded"]
    assert audit["actor"] == "bob" and audit["details"] == {"points": 2, "kinds": ["BENEFICIARIES", "PROGRESS"]}


async def test_update_project_event_and_anonymous_audit(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Outbox update")
    before = await _latest_seq(platform)
    body = await gql("projects", 'mutation($id: ID!) { updateProject(id: $id, input: {homeRegion: "iad", progress: 0.5}) { id } }', {"id": pid})
    assert "errors" not in body, body
    rows = await outbox_rows(platform.database_url, "seq > $1", before)
    assert [r["subject"] for r in rows] == [f"covenant.project.iad.{pid}", "audit.ams.project_updated"]
    assert rows[0]["payload"]["change"] == "updated" and rows[0]["payload"]["region"] == "iad"
    assert rows[0]["payload"]["fields"] == ["progress", "homeRegion"]  # what the entity cache evicts by
    assert rows[1]["payload"]["actor"] == "anonymous"
    assert rows[1]["payload"]["details"] == {"fields": ["progress", "homeRegion"]}


async def test_a_failed_mutation_writes_no_event(platform: Platform, gql: Gql) -> None:
    before = await _latest_seq(platform)
    body = await gql("metrics", RECORD, {"p": "prj-none", "points": [{"kind": "PROGRESS", "value": 0.1, "at": "2025-01-01T00:00:00Z"}]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await gql("projects", 'mutation { updateProject(id: "prj-none", input: {progress: 0.5}) { id } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await _latest_seq(platform) == before


async def test_follow_and_unfollow(platform: Platform, gql: Gql) -> None:
    pid = await create_project(gql, "Outbox follow")
    follow = 'mutation($p: ID!, $f: String) { followProject(projectId: $p, follower: $f) { follower following changed project { followerCount } } }'
    anonymous = await gql("projects", follow, {"p": pid})
    assert anonymous["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    first = await gql("projects", follow, {"p": pid}, {"x-charter-subject": "carol"})
    assert first["data"]["followProject"] == {"follower": "carol", "following": True, "changed": True, "project": {"followerCount": 1}}
    again = await gql("projects", follow, {"p": pid}, {"x-charter-subject": "carol"})
    assert again["data"]["followProject"]["changed"] is False
    missing = await gql("projects", follow, {"p": "prj-none", "f": "dan"})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = await gql("projects", follow, {"p": pid, "f": "x\u0000y"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    gone = await gql("projects", 'mutation($p: ID!) { unfollowProject(projectId: $p, follower: "carol") { following changed project { followerCount } } }', {"p": pid})
    assert gone["data"]["unfollowProject"] == {"following": False, "changed": True, "project": {"followerCount": 0}}
    audits = await outbox_rows(platform.database_url, "subject LIKE 'audit.%' AND payload->'target'->>'id' = $1", pid)
    assert [a["payload"]["kind"] for a in audits] == ["project_created", "project_followed", "project_unfollowed"]
