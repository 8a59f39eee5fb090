"""Input the subgraphs refuse with BAD_USER_INPUT and write nothing for, and aggregates that stay
finite whatever is stored. Against the real subgraphs on a real, seeded PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import asyncpg
import pytest

from infra.stack import InProcessStack
from infra.testing import Gql

pytest_plugins = ["infra.testing"]

PRIMARY = {"x-charter-consistency": "FFFFFFFF/0"}
CREATE = "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $i: UpdateProjectInput!) { updateProject(id: $id, input: $i) { id status progress } }"
RECORD = "mutation($i: RecordMetricsInput!) { recordMetrics(input: $i) { recorded } }"


def _input(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "Refusal Test Wind Park", "sector": "ENERGY", "budgetUsd": 2_500_000, "startDate": "2025-03-01",
        "endDate": "2027-03-01", "homeRegion": "ams", "nationCode": "NL", "status": "ACTIVE", "progress": 0.25,
    }
    return {**base, **changes}


def _refused(body: dict[str, Any]) -> None:
    assert body.get("data") is None, body
    assert body["errors"], body
    assert all(e.get("extensions", {}).get("code") == "BAD_USER_INPUT" for e in body["errors"]), body
    assert "Cannot return null" not in str(body["errors"])


async def _count(gql: Gql, search: str) -> int:
    body = await gql("projects", "query($s: String) { projects(filter: {search: $s}, first: 0) { totalCount } }",
                     {"s": search}, headers=PRIMARY)
    return int(body["data"]["projects"]["totalCount"])


@pytest.mark.parametrize(
    "changes",
    [
        {"budgetUsd": 1e308},
        {"budgetUsd": 0.4},  # rounds to a budget of 0
        {"name": "Refusal Test \x00 NUL"},
        {"name": "Refusal Test \x1b[31m escape"},
        {"status": "COMPLETED", "progress": 0.5},
        {"status": "PLANNED", "progress": 0.3},
        {"startDate": "2025-02-30"},  # malformed date
        {"startDate": "not a date"},
        {"endDate": "2024-01-01"},  # before the start
        {"progress": 1e308},
    ],
)
async def test_create_refusals_write_nothing(gql: Gql, changes: dict[str, Any]) -> None:
    before = await _count(gql, "Refusal Test")
    _refused(await gql("projects", CREATE, {"i": _input(**changes)}))
    assert await _count(gql, "Refusal Test") == before


async def test_non_finite_numbers_are_refused(stack: InProcessStack, http: Any) -> None:
    # Python's JSON reader takes NaN and Infinity: the subgraph must still refuse them.
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = {"query": RECORD, "variables": {"i": {"projectId": "prj-ams-001", "points": [
            {"kind": "SPEND_USD", "value": "VALUE", "at": "2026-10-01T00:00:00Z"}]}}}
        raw = json.dumps(body).replace('"VALUE"', literal)
        r = await http.post(stack.url("metrics"), content=raw, headers={"content-type": "application/json"})
        _refused(r.json())


async def test_update_contradicting_stored_status(gql: Gql) -> None:
    created = await gql("projects", CREATE, {"i": _input(name="Refusal Test Updatable")})
    pid = created["data"]["createProject"]["id"]
    _refused(await gql("projects", UPDATE, {"id": pid, "i": {"status": "COMPLETED"}}))  # progress stays 0.25
    _refused(await gql("projects", UPDATE, {"id": pid, "i": {"name": "x\x07bell"}}))
    done = await gql("projects", UPDATE, {"id": pid, "i": {"status": "COMPLETED", "progress": 1.0}})
    assert done["data"]["updateProject"] == {"id": pid, "status": "COMPLETED", "progress": 1.0}


@pytest.mark.parametrize(
    "point",
    [
        {"kind": "SPEND_USD", "value": 1e308, "at": "2026-10-01T00:00:00Z"},
        {"kind": "BENEFICIARIES", "value": 1e11, "at": "2026-10-01T00:00:00Z"},
        {"kind": "EMISSIONS_AVOIDED_T", "value": 5e11, "at": "2026-10-01T00:00:00Z"},
        {"kind": "PROGRESS", "value": 1.01, "at": "2026-10-01T00:00:00Z"},
        {"kind": "SPEND_USD", "value": 10, "at": "2026-13-01T00:00:00Z"},  # malformed DateTime
        {"kind": "SPEND_USD", "value": 10, "at": "yesterday"},
        {"kind": "SPEND_USD", "value": 10, "at": "2001-01-01T00:00:00Z"},  # before the project started
    ],
)
async def test_metric_refusals_write_nothing(stack: InProcessStack, gql: Gql, point: dict[str, Any]) -> None:
    conn = await asyncpg.connect(stack.cluster.primary_url())
    try:
        count = "SELECT count(*) FROM metric_points WHERE project_id = 'prj-ams-001'"
        before = await conn.fetchval(count)
        _refused(await gql("metrics", RECORD, {"i": {"projectId": "prj-ams-001", "points": [point]}}))
        assert await conn.fetchval(count) == before
    finally:
        await conn.close()


async def test_points_outside_the_project_window_are_refused(stack: InProcessStack, gql: Gql) -> None:
    conn = await asyncpg.connect(stack.cluster.primary_url())
    try:
        row = await conn.fetchrow(
            "SELECT id, start_date, end_date FROM projects WHERE end_date < now() - interval '60 days' LIMIT 1"
        )
        count = "SELECT count(*) FROM metric_points WHERE project_id = $1"
        before = await conn.fetchval(count, row["id"])
        after_end = dt.datetime.combine(row["end_date"] + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
        point = {"kind": "PROGRESS", "value": 0.5, "at": after_end.isoformat()}
        body = await gql("metrics", RECORD, {"i": {"projectId": row["id"], "points": [point]}})
        _refused(body)
        assert "window" in body["errors"][0]["message"]
        assert await conn.fetchval(count, row["id"]) == before
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(b"cursor:" + b"9" * 30).decode(),  # past PostgreSQL's bigint
        base64.urlsafe_b64encode(b"cursor:99999999999").decode(),
        base64.urlsafe_b64encode(b"cursor: 1").decode(),
        base64.urlsafe_b64encode(b"cursor:-1").decode(),
        "A" * 5000,
        "cursor\x00",
    ],
)
async def test_cursor_overflow_is_refused(gql: Gql, cursor: str) -> None:
    body = await gql("projects", "query($a: String) { projects(first: 2, after: $a) { totalCount } }", {"a": cursor})
    _refused(body)


async def test_control_characters_in_literals_and_reads(gql: Gql) -> None:
    _refused(await gql("nations", '{ nation(code: "K\\u0000E") { name } }'))
    _refused(await gql("projects", "query($s: String) { projects(filter: {search: $s}) { totalCount } }", {"s": "a\x00"}))
    ok = await gql("projects", "query($s: String) { projects(filter: {search: $s}, first: 0) { totalCount } }", {"s": "solar\tfarm"})
    assert "errors" not in ok


async def test_aggregates_stay_finite_on_absurd_stored_values(stack: InProcessStack, gql: Gql) -> None:
    """Rows written before these checks (or by hand) must not take series and stats offline."""
    conn = await asyncpg.connect(stack.cluster.primary_url())
    project = "prj-ams-003"
    try:
        await conn.execute(
            "INSERT INTO metric_points (project_id, kind, value, ts) VALUES "
            "($1, 'spend_usd', 1e308, '2030-01-01'), ($1, 'spend_usd', 1.5e308, '2030-01-02'), "
            "($1, 'spend_usd', 'Infinity', '2030-01-03'), ($1, 'spend_usd', 'NaN', '2030-01-04')",
            project,
        )
        q = """query($p: ID!) { _entities(representations: [{__typename: "Project", id: $p}]) {
                 ... on Project { metrics(kind: SPEND_USD, bucket: YEAR) { start value min max sum last count } } } }"""
        body = await gql("metrics", q, {"p": project}, headers=PRIMARY)
        assert "errors" not in body, body
        series = body["data"]["_entities"][0]["metrics"]
        year = next(b for b in series if b["start"].startswith("2030"))
        assert year["count"] == 4
        for k in ("value", "min", "max", "sum", "last"):
            assert isinstance(year[k], float) and abs(year[k]) <= 1.7976931348623157e308, (k, year)
        stats = await gql("metrics", '{ regionStats(group: EMEA) { projects budgetUsd } }', headers=PRIMARY)
        assert "errors" not in stats, stats
    finally:
        await conn.execute("DELETE FROM metric_points WHERE project_id = $1 AND ts >= '2030-01-01'", project)
        await conn.close()
