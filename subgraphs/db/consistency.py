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
from subgraphs.db.engines import Database, read_connection

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


def lsn_int(value: str | None) -> int | None:
    """A WAL position 'X/Y' as one comparable integer (None if it is not one)."""
    if not value or "/" not in value:
        return None
    hi, lo = value.split("/", 1)
    try:
        return (int(hi, 16) << 32) | int(lo, 16)
    except ValueError:
        return None


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass
class ReadRoute:
    engine: AsyncEngine
    source: str  # "replica" | "primary"
    waited_ms: float
    # A WAL position every read on this route reflects (a lower bound), when one is known: the
    # gateway stamps its cache entries with it, so a client holding a newer token reads around them.
    position: int | None = None


_REPLAYED = text("SELECT pg_last_wal_replay_lsn()::text")


async def route_read(db: Database, token: str | None, wait_ms: float) -> ReadRoute:
    health = db.replica_health
    want = lsn_int(token)
    if not db.replica_usable:  # none, or down or lagging beyond its bound (subgraphs/db/replica.py)
        # The primary shows every commit: at least the token's, and what the monitor last saw.
        seen = [p for p in (want, health.primary_lsn if health is not None else None) if p is not None]
        return ReadRoute(db.primary, "primary", 0.0, max(seen) if seen else None)
    if token is None or want is None:
        return ReadRoute(db.replica, "replica", 0.0, health.replay_lsn if health is not None else None)
    started = time.monotonic()
    deadline = started + wait_ms / 1000.0
    try:
        async with read_connection(db.replica) as conn:
            while True:
                replayed = lsn_int(await conn.scalar(_REPLAYED))
                if replayed is not None and replayed >= want:
                    return ReadRoute(db.replica, "replica", (time.monotonic() - started) * 1000, replayed)
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(POLL_S)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        if health is not None:
            health.mark_down(f"a read failed: {exc.__class__.__name__}")
    seen_primary = health.primary_lsn if health is not None else None
    return ReadRoute(db.primary, "primary", (time.monotonic() - started) * 1000, max(want, seen_primary or 0))
