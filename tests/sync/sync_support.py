"""Calling syncPull / syncPush over HTTP the way the app does, and reading the database directly
to check what a refused push did not write."""

from __future__ import annotations

import os
from typing import Any

import asyncpg
import httpx

from subgraphs.db.urls import plain_url

PULL = """query($lastPulledAt: Float, $schemaVersion: Int!, $migration: JSON) {
  syncPull(lastPulledAt: $lastPulledAt, schemaVersion: $schemaVersion, migration: $migration) { changes timestamp }
}"""
PUSH = """mutation($changes: JSON!, $lastPulledAt: Float!) {
  syncPush(changes: $changes, lastPulledAt: $lastPulledAt) { timestamp created updated deleted duplicate }
}"""


# The environment variable holding the bearer token the test gateway trusts (set by the stack's
# fixture; the Node clients inherit it).
TOKEN_ENV = "CHARTER_SYNC_TOKEN"


def request_headers() -> dict[str, str]:
    """The one place requests get their headers: a push needs projects:write and metrics:write."""
    headers = {"content-type": "application/json"}
    token = os.environ.get(TOKEN_ENV)
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


async def graphql(client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(url, json={"query": query, "variables": variables}, headers=request_headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


async def pull(client: httpx.AsyncClient, url: str, last_pulled_at: float | None, **extra: Any) -> dict[str, Any]:
    body = await graphql(client, url, PULL, {"lastPulledAt": last_pulled_at, "schemaVersion": 1, **extra})
    assert "errors" not in body, body
    result = body["data"]["syncPull"]
    assert isinstance(result, dict)
    return result


async def push(client: httpx.AsyncClient, url: str, changes: dict[str, Any], last_pulled_at: float) -> dict[str, Any]:
    return await graphql(client, url, PUSH, {"changes": changes, "lastPulledAt": last_pulled_at})


def error_code(body: dict[str, Any]) -> str:
    assert body.get("data") is None or body["data"].get("syncPush") is None, body
    assert len(body["errors"]) == 1, body
    code = body["errors"][0]["extensions"]["code"]
    assert isinstance(code, str)
    return code


def changes(**tables: dict[str, list[Any]]) -> dict[str, Any]:
    """A changes object as WatermelonDB sends it: every synced table, with all three lists."""
    out: dict[str, Any] = {t: {"created": [], "updated": [], "deleted": []} for t in ("nations", "projects", "metric_points")}
    for table, lists in tables.items():
        out[table] = {**out[table], **lists}
    return out


def project(record_id: str, **values: Any) -> dict[str, Any]:
    raw = {
        "id": record_id, "name": "Solar pumps", "sector": "energy", "status": "active", "budget_usd": 1_000_000,
        "start_date": "2026-01-01", "end_date": None, "progress": 0, "home_region": "ams", "nation_id": "KE",
        "_status": "created", "_changed": "",
    }
    return {**raw, **values}


def point(record_id: str, project_id: str, measured_at: int, **values: Any) -> dict[str, Any]:
    return {"id": record_id, "project_id": project_id, "kind": "progress", "value": 0.25,
            "measured_at": measured_at, "_status": "created", "_changed": "", **values}


async def fingerprint(primary_url: str) -> tuple[Any, ...]:
    """What a push could have changed: every synced row's stamp, the tombstones, the applied pushes."""
    conn = await asyncpg.connect(plain_url(primary_url))
    try:
        parts = []
        for query in (
            "SELECT count(*), max(sync_updated_ms), sum(sync_updated_ms) FROM projects",
            "SELECT count(*), max(sync_updated_ms), sum(sync_updated_ms) FROM metric_points",
            "SELECT count(*), max(sync_updated_ms) FROM nations",
            "SELECT count(*), max(deleted_ms) FROM sync_tombstones",
            "SELECT count(*) FROM sync_pushes",
        ):
            parts.append(tuple(await conn.fetchrow(query)))
        return tuple(parts)
    finally:
        await conn.close()
