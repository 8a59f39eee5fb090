"""Is the region's read replica fit to serve reads? Down, or lagging beyond a bound, it is not,
and reads go to the primary until it is again (`/health` says which one serves them).

A monitor checks every `interval`: the replica's replay position against the primary's write
position. Lag in time is how long ago the primary was first seen at a position the replica has
still not replayed (so an idle primary, or an idle replica, is not "late"). A read that
fails on the replica for want of a connection marks it down at once, so no client waits for the
next check. If the primary is unreachable the lag cannot be measured and the replica keeps
serving: it is then the best copy there is.

The first check runs before the subgraph serves. A replica found behind the primary then has been
behind for an unknown time (a freshly seeded primary, a replica restored from an old base backup),
and measuring its lag from that check would call it on time: the start waits until it has replayed
the position the primary had, or until the lag so measured passes the bound (then it serves no
reads until it is within the bound again, as for any lag).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import text

from subgraphs.db.availability import is_unavailable
from subgraphs.db.consistency import lsn_int
from subgraphs.db.engines import Database

log = logging.getLogger("charter.subgraph.replica")

# Not counted as request statements (tests count those to prove there is no N+1).
_REPLICA_STATE = text("SELECT pg_last_wal_replay_lsn()::text").execution_options(uncounted=True)
_PRIMARY_LSN = text("SELECT pg_current_wal_lsn()::text").execution_options(uncounted=True)
START_POLL_S = 0.05  # how often the start re-checks a replica it found behind


@dataclass
class ReplicaHealth:
    max_lag_ms: float
    ok: bool = True
    reason: str = ""
    lag_bytes: int | None = None
    lag_ms: float | None = None
    checked_at: float = 0.0
    fallbacks: int = 0  # reads sent to the primary because the replica failed them
    # The last positions seen (monotonic, so each is a lower bound for any read that starts after
    # it was seen): what a read reflects, for the gateway's entity cache stamps.
    replay_lsn: int | None = None
    primary_lsn: int | None = None

    def mark_down(self, reason: str) -> None:
        if self.ok:
            log.warning("read replica unusable, reads go to the primary: %s", reason)
        self.ok = False
        self.reason = reason

    def describe(self) -> dict[str, object]:
        return {
            "ok": self.ok, "reason": self.reason or None, "lag_bytes": self.lag_bytes,
            "lag_ms": None if self.lag_ms is None else round(self.lag_ms, 1), "max_lag_ms": self.max_lag_ms,
            "fallbacks": self.fallbacks,
        }


class ReplicaMonitor:
    def __init__(self, db: Database, health: ReplicaHealth, interval: float = 0.5, timeout: float = 1.0) -> None:
        self.db = db
        self.health = health
        self.interval = interval
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._seen: deque[tuple[int, float]] = deque(maxlen=256)  # (primary position, when seen)

    async def start(self) -> None:
        """Judge the replica before the first request (see the module's doc), then every `interval`."""
        if not self.db.has_replica:
            return
        try:
            await self._first_check()
        except Exception:
            log.exception("replica check failed")
        self._task = asyncio.create_task(self._loop(), name="replica-monitor")

    async def _first_check(self) -> None:
        await self.check()
        if not self._seen or not self.health.ok:
            return  # caught up, or judged unfit: either way judged
        target = self._seen[-1][0]
        log.info("read replica behind the primary at start: waiting for it (bound %.0f ms)", self.health.max_lag_ms)
        # The lag grows while the replica does not replay, so check() marks it down within the
        # bound; the deadline only guards against checks that cannot compare (primary unreachable).
        deadline = time.monotonic() + self.health.max_lag_ms / 1000 + 2 * self.timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(START_POLL_S)
            await self.check()
            if not self._seen or self._seen[0][0] > target or not self.health.ok:
                return

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # one bad round must not end monitoring
                log.exception("replica check failed")

    async def check(self) -> None:
        h = self.health
        try:
            async with asyncio.timeout(self.timeout), self.db.replica.connect() as conn:
                replay_text = await conn.scalar(_REPLICA_STATE)
        except Exception as e:
            if not is_unavailable(e):
                raise
            h.mark_down(f"replica unreachable: {e.__class__.__name__}")
            h.checked_at = time.monotonic()
            return
        try:
            async with asyncio.timeout(self.timeout), self.db.primary.connect() as conn:
                primary = lsn_int(await conn.scalar(_PRIMARY_LSN))
        except Exception as e:
            if not is_unavailable(e):
                raise
            primary = None  # cannot compare: keep the replica serving
        replay = lsn_int(replay_text)
        now = h.checked_at = time.monotonic()
        if replay is not None:
            h.replay_lsn = max(replay, h.replay_lsn or 0)
        if primary is not None:
            h.primary_lsn = max(primary, h.primary_lsn or 0)
        if primary is None or replay is None:
            h.lag_bytes, h.lag_ms = None, None
            self._fit()
            return
        if not self._seen or self._seen[-1][0] != primary:
            self._seen.append((primary, now))
        while self._seen and self._seen[0][0] <= replay:
            self._seen.popleft()  # replayed: no longer owed
        h.lag_bytes = max(primary - replay, 0)
        h.lag_ms = (now - self._seen[0][1]) * 1000 if self._seen else 0.0
        if h.lag_ms > h.max_lag_ms:
            h.mark_down(f"replica lags {h.lag_ms:.0f} ms (bound {h.max_lag_ms:.0f} ms)")
        else:
            self._fit()

    def _fit(self) -> None:
        if not self.health.ok:
            log.info("read replica is back: reads go to it again")
        self.health.ok = True
        self.health.reason = ""
