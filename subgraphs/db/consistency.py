"""Read-your-writes across a primary and a lagging replica.

A write returns the primary's WAL position after its commit (`pg_current_wal_lsn()`) as a
consistency token. A read that carries a token is served by the replica only once the replica has
replayed past that position; we wait a bounded time for that, then fall back to the primary.
PostgreSQL offers no notification for replay progress on a standby, so the wait polls
`pg_last_wal_replay_lsn()` at a short interval until the deadline.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from subgraphs.db.availability import is_unavailable
from subgraphs.db.engines import Database

HEADER = "x-charter-consistency"
_LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")
POLL_S = 0.005


class BadToken(ValueError):
    """The consistency header is not a WAL position."""


def parse_token(raw: str | None) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    token = raw.strip()
    if not _LSN.match(token):
        raise BadToken(f"{HEADER} must be a WAL position like '0/16B3748', got {raw[:40]!r}")
    return token.upper()


async def current_token(conn: AsyncConnection) -> str:
    """The primary's WAL write position: at or past the end of every transaction committed so far."""
    return str(await conn.scalar(text("SELECT pg_current_wal_lsn()::text")))


@dataclass
class ReadRoute:
    engine: AsyncEngine
    source: str  # "replica" | "primary"
    waited_ms: float


async def route_read(db: Database, token: str | None, wait_ms: float) -> ReadRoute:
    if not db.replica_usable:  # none, or down or lagging beyond its bound (subgraphs/db/replica.py)
        return ReadRoute(db.primary, "primary", 0.0)
    if token is None:
        return ReadRoute(db.replica, "replica", 0.0)
    started = time.monotonic()
    deadline = started + wait_ms / 1000.0
    # The double cast keeps asyncpg from binding the parameter as its integer pg_lsn codec.
    query = text("SELECT pg_last_wal_replay_lsn() >= CAST(CAST(:token AS text) AS pg_lsn)")
    try:
        async with db.replica.connect() as conn:
            while True:
                if await conn.scalar(query, {"token": token}):
                    return ReadRoute(db.replica, "replica", (time.monotonic() - started) * 1000)
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(POLL_S)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        if db.replica_health is not None:
            db.replica_health.mark_down(f"a read failed: {exc.__class__.__name__}")
    return ReadRoute(db.primary, "primary", (time.monotonic() - started) * 1000)
