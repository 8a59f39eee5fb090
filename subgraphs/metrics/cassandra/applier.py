"""Applies metric points from the Postgres outbox to the Cassandra read model, idempotently.

How a metric write stays consistent across two databases that share no transaction:
1. `recordMetrics` upserts the points into `metric_points` and, in the same Postgres transaction,
   one `metrics_outbox` row per point id. Postgres is the system of record: once it commits, the
   write is durable and will reach Cassandra.
2. The applier (here) takes outbox rows under a Postgres advisory lock (one applier at a time, so
   recomputations never interleave), writes the points to Cassandra keyed by (project, month,
   kind, ts) with the point id, recomputes the affected aggregates from the stored points, and
   only then deletes the outbox rows, in that same Postgres transaction.
3. A crash before step 2 finishes leaves the outbox rows: the next drain (at startup, after every
   write, and every few seconds) applies them again. Applying twice writes the same rows with the
   same values, and aggregates are recomputed from the points, never incremented, so a replay of
   any number of points (or of all of them: `replay_all`) gives the same aggregates.

Writes and the recomputing reads use QUORUM (two of the three data centres): whichever region's
applier runs next reads every point written before, and one data centre may be down.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from cassandra.query import BatchStatement, BatchType
from sqlalchemy import delete, func, select, text

from subgraphs.db.engines import Database
from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import metrics_outbox as O
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.metrics.cassandra.session import KEYSPACE, QUORUM, CassandraSession, aexecute

log = logging.getLogger("charter.metrics.applier")

# pg_advisory_xact_lock key: "metrics outbox" (any constant; one lock for all appliers)
LOCK_KEY = 0x6D6F7574
BACKFILL_JOB = "backfill-from-postgres"
BATCH_ROWS = 50

INSERT_PROJECT_POINT = (
    f"INSERT INTO {KEYSPACE}.points_by_project (project_id, year, kind, ts, value, point_id) VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_PROJECT_YEAR = f"INSERT INTO {KEYSPACE}.project_years (project_id, year) VALUES (?, ?)"
SELECT_PARTITION = f"SELECT kind, value FROM {KEYSPACE}.points_by_project WHERE project_id = ? AND year = ?"
INSERT_YEAR_TOTAL = (
    f"INSERT INTO {KEYSPACE}.project_year_totals (project_id, kind, year, points, sum, min, max)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SELECT_YEAR_TOTALS = f"SELECT kind, year, points, sum, min, max FROM {KEYSPACE}.project_year_totals WHERE project_id = ?"
INSERT_GROUP_TOTAL = (
    f"INSERT INTO {KEYSPACE}.group_project_totals (group_name, kind, project_id, points, sum, min, max)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SELECT_JOB = f"SELECT done_at FROM {KEYSPACE}.applied_jobs WHERE job = ?"
INSERT_JOB = f"INSERT INTO {KEYSPACE}.applied_jobs (job, done_at) VALUES (?, ?)"

Hook = Callable[[], Awaitable[None]]


def _totals(values: Iterable[tuple[str, int, float, float, float]]) -> dict[str, tuple[int, float, float, float]]:
    """(kind, points, sum, min, max) rows folded per kind."""
    out: dict[str, tuple[int, float, float, float]] = {}
    for kind, n, s, lo, hi in values:
        seen = out.get(kind)
        out[kind] = (n, s, lo, hi) if seen is None else (seen[0] + n, seen[1] + s, min(seen[2], lo), max(seen[3], hi))
    return out


class OutboxApplier:
    def __init__(self, db: Database, cass: CassandraSession, batch_size: int = 2000, parallel: int = 48) -> None:
        self.db = db
        self.cass = cass
        self.batch_size = batch_size
        self._gate = asyncio.Semaphore(parallel)
        self._local = asyncio.Lock()  # one drain at a time in this process
        self.applied_total = 0

    async def _run(self, cql: str, params: Sequence[Any]) -> list[Any]:
        async with self._gate:
            return await self.cass.execute(cql, params, consistency=QUORUM)

    async def _batch(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """UNLOGGED batches of one partition's statements (one replica set, one round trip),
        at most BATCH_ROWS each: Cassandra warns about big batches, then refuses them."""
        chunks = [statements[i : i + BATCH_ROWS] for i in range(0, len(statements), BATCH_ROWS)]
        await asyncio.gather(*(self._one_batch(c) for c in chunks))

    async def _one_batch(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        batch = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=QUORUM)
        for cql, params in statements:
            batch.add(await self.cass.prepare(cql), params)
        async with self._gate:
            await aexecute(self.cass.session, batch)

    async def drain(self, before_commit: Hook | None = None) -> int:
        """Apply every pending outbox row; the number applied. `before_commit` runs after the
        Cassandra writes and before the outbox rows are deleted (tests crash there)."""
        total = 0
        async with self._local:
            while True:
                applied = await self._apply_batch(before_commit)
                total += applied
                if applied < self.batch_size:
                    break
        self.applied_total += total
        return total

    async def _apply_batch(self, before_commit: Hook | None) -> int:
        async with self.db.primary.connect() as conn, conn.begin():
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            rows = (
                await conn.execute(
                    select(O.c.point_id, M.c.project_id, M.c.kind, M.c.value, M.c.ts, N.c.group_name)
                    .select_from(
                        O.join(M, M.c.id == O.c.point_id)
                        .join(P, P.c.id == M.c.project_id)
                        .join(N, N.c.code == P.c.nation_code)
                    )
                    .order_by(O.c.point_id)
                    .limit(self.batch_size)
                    # A concurrent re-record of a taken point waits for this transaction, then
                    # enqueues the point anew (with its new value) once our delete commits.
                    .with_for_update(of=O)
                )
            ).all()
            if not rows:
                return 0
            await self.apply(rows)
            if before_commit is not None:
                await before_commit()
            await conn.execute(delete(O).where(O.c.point_id.in_([r.point_id for r in rows])))
        return len(rows)

    async def _write_points(self, rows: Sequence[Any]) -> dict[str, set[int]]:
        """The points (one batch per partition); the years touched, per project."""
        by_project_year: dict[tuple[str, int], list[tuple[str, Sequence[Any]]]] = defaultdict(list)
        project_years: dict[str, set[int]] = defaultdict(set)
        for r in rows:
            ts: dt.datetime = r.ts.astimezone(dt.UTC)
            by_project_year[(r.project_id, ts.year)].append(
                (INSERT_PROJECT_POINT, (r.project_id, ts.year, r.kind, ts, float(r.value), int(r.point_id)))
            )
            project_years[r.project_id].add(ts.year)
        writes = [self._batch(s) for s in by_project_year.values()]
        writes += [self._batch([(INSERT_PROJECT_YEAR, (p, y)) for y in sorted(ys)]) for p, ys in project_years.items()]
        await asyncio.gather(*writes)
        return project_years

    async def apply(self, rows: Sequence[Any]) -> None:
        """Write the points, then recompute what they touch from what Cassandra holds. Safe to
        repeat, in any order."""
        project_years = await self._write_points(rows)
        group_of = {r.project_id: r.group_name for r in rows}
        await asyncio.gather(*(self._recompute_project(p, sorted(ys), group_of[p]) for p, ys in project_years.items()))

    async def _recompute_project(self, project_id: str, years: list[int], group: str) -> None:
        partitions = await asyncio.gather(*(self._run(SELECT_PARTITION, (project_id, y)) for y in years))
        year_rows = {
            year: _totals((p.kind, 1, p.value, p.value, p.value) for p in points)
            for year, points in zip(years, partitions, strict=True)
        }
        await self._write_year_totals(project_id, year_rows)
        every_year = await self._run(SELECT_YEAR_TOTALS, (project_id,))
        await self._write_project_totals(group, project_id, _totals((r.kind, r.points, r.sum, r.min, r.max) for r in every_year))

    async def _write_year_totals(self, project_id: str, years: dict[int, dict[str, tuple[int, float, float, float]]]) -> None:
        rows = [
            (INSERT_YEAR_TOTAL, (project_id, kind, year, n, s, lo, hi))
            for year, totals in years.items() for kind, (n, s, lo, hi) in totals.items()
        ]
        if rows:
            await self._batch(rows)

    async def _write_project_totals(self, group: str, project_id: str, totals: dict[str, tuple[int, float, float, float]]) -> None:
        if totals:
            await self._batch([
                (INSERT_GROUP_TOTAL, (group, kind, project_id, n, s, lo, hi)) for kind, (n, s, lo, hi) in totals.items()
            ])

    async def replay_all(self) -> int:
        """Every point in Postgres, applied again (a backfill, or a full replay after a loss).

        Postgres holds every point, so the aggregates are computed from this one snapshot
        instead of read back, in the order Cassandra would fold them (kind, then time, then
        year), so the result is bit-for-bit what point-by-point application gives. Outbox rows
        taken here are covered by the snapshot and deleted with it."""
        async with self._local, self.db.primary.connect() as conn, conn.begin():
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            pending = (await conn.execute(select(O.c.point_id).with_for_update())).scalars().all()
            rows = (
                await conn.execute(
                    select(M.c.id.label("point_id"), M.c.project_id, M.c.kind, M.c.value, M.c.ts, N.c.group_name)
                    .select_from(M.join(P, P.c.id == M.c.project_id).join(N, N.c.code == P.c.nation_code))
                )
            ).all()
            await self._write_points(rows)
            ordered = sorted(rows, key=lambda r: (r.project_id, r.kind, r.ts))
            per_year: dict[str, dict[int, list[tuple[str, int, float, float, float]]]] = defaultdict(lambda: defaultdict(list))
            group_of = {}
            for r in ordered:
                per_year[r.project_id][r.ts.astimezone(dt.UTC).year].append((r.kind, 1, r.value, r.value, r.value))
                group_of[r.project_id] = r.group_name
            jobs = []
            for project_id, years in per_year.items():
                year_totals = {y: _totals(v) for y, v in years.items()}
                folded = _totals(
                    (kind, *year_totals[y][kind]) for kind, y in sorted((k, y) for y in year_totals for k in year_totals[y])
                )
                jobs.append(self._write_year_totals(project_id, year_totals))
                jobs.append(self._write_project_totals(group_of[project_id], project_id, folded))
            await asyncio.gather(*jobs)
            if pending:
                await conn.execute(delete(O).where(O.c.point_id.in_(pending)))
        self.applied_total += len(rows)
        return len(rows)

    async def backfill_once(self) -> int:
        """The first time this keyspace meets this database (its cluster's system identifier,
        set by initdb): every existing point, the seed included. Later: what the outbox holds."""
        job = f"{BACKFILL_JOB}:{await self._database_id()}"
        if await self.cass.execute(SELECT_JOB, (job,), consistency=QUORUM):
            return await self.drain()
        applied = await self.replay_all()
        await self.cass.execute(INSERT_JOB, (job, dt.datetime.now(dt.UTC)), consistency=QUORUM)
        return applied

    async def _database_id(self) -> str:
        async with self.db.primary.connect() as conn:
            try:
                return str(await conn.scalar(text("SELECT system_identifier FROM pg_control_system()")))
            except Exception:  # not allowed for this role: the database name will do
                await conn.rollback()
                return str(await conn.scalar(text("SELECT current_database()")))

    async def pending(self) -> int:
        async with self.db.primary.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(O)) or 0)

    async def run_forever(self, interval_s: float) -> None:
        """Drains what other processes (or a crash) left behind, every `interval_s` seconds."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.drain()
            except Exception as exc:  # Cassandra or Postgres briefly away: the rows wait
                log.warning("outbox drain failed (will retry): %s", exc)
