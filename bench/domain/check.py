"""After the run: every distinct read of the cached run is asked again through the cached gateway
(without a token, as any client) and compared with the database (SQL, for nations and projects)
and with the uncached gateway reading at the primary's latest position (for everything)."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg
import orjson

from bench.domain.client import Tally, headers
from bench.domain.workload import QUERIES

MAX_CHECKED = 3000


async def _ask(session: aiohttp.ClientSession, url: str, query: str, variables: dict[str, Any], token: str | None) -> Any:
    async with session.post(url, data=orjson.dumps({"query": query, "variables": variables}), headers=headers(token)) as r:
        return orjson.loads(await r.read())


async def check_answers(cached_url: str, plain_url: str, primary_url: str, tally: Tally) -> tuple[int, list[str]]:
    db = await asyncpg.connect(primary_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        token = str(await db.fetchval("SELECT pg_current_wal_lsn()::text"))
        reads = sorted(tally.reads_seen)[:MAX_CHECKED]
        mismatches: list[str] = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            for screen, raw in reads:
                variables = orjson.loads(raw)
                query = QUERIES[screen]
                cached = await _ask(session, cached_url, query, variables, None)
                fresh = await _ask(session, plain_url, query, variables, token)
                if cached != fresh or "errors" in cached:
                    mismatches.append(f"{screen} {variables}: cached {str(cached)[:200]} != fresh {str(fresh)[:200]}")
                    continue
                problem = await _against_sql(db, screen, variables, cached["data"])
                if problem:
                    mismatches.append(f"{screen} {variables}: {problem}")
        return len(reads), mismatches
    finally:
        await db.close()


async def _against_sql(db: asyncpg.Connection, screen: str, variables: dict[str, Any], data: dict[str, Any]) -> str | None:
    if screen == "nation":
        row = await db.fetchrow("SELECT name, capital, population FROM nations WHERE code = $1", variables["code"])
        got = data["nation"]
        if row is None or (got["name"], got["capital"], got["population"]) != (row["name"], row["capital"], row["population"]):
            return f"nation {got} != database {dict(row) if row else None}"
        count = await db.fetchval("SELECT count(*) FROM projects WHERE nation_code = $1", variables["code"])
        if got["projects"]["totalCount"] != count or got["stats"]["projects"] != count:
            return f"{count} projects in the database, answer says {got['projects']['totalCount']}"
        ids = [e["node"]["id"] for e in got["projects"]["edges"]]
        rows = await db.fetch("SELECT id, name, progress FROM projects WHERE id = ANY($1::text[])", ids)
        by_id = {r["id"]: r for r in rows}
        for e in got["projects"]["edges"]:
            r = by_id.get(e["node"]["id"])
            if r is None or (e["node"]["name"], e["node"]["progress"]) != (r["name"], r["progress"]):
                return f"project {e['node']} != database {dict(r) if r else None}"
    elif screen == "project":
        row = await db.fetchrow(
            "SELECT name, status, progress, budget_usd, nation_code FROM projects WHERE id = $1", variables["id"]
        )
        got = data["project"]
        if row is None:
            return "not in the database"
        want = (row["name"], row["status"].upper(), row["progress"], float(row["budget_usd"]), row["nation_code"])
        have = (got["name"], got["status"], got["progress"], got["budgetUsd"], got["nation"]["code"])
        if want != have:
            return f"project {have} != database {want}"
    return None
