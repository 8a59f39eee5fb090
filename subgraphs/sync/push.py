"""syncPush: apply a client's offline changes in one transaction, or none of them.

The transaction first takes its commit stamp, which locks the sync clock (migration 0002): no
other write to a synced table commits until this one ends, so the conflict checks below see the
latest state and nothing can change it between check and write.

Rules, per WatermelonDB's protocol:
- a record changed (or deleted) on the server since `lastPulledAt` refuses the push whole with
  CONFLICT; the client then pulls and pushes again;
- the same push (same changes, same lastPulledAt) twice applies once: the repeat is answered with
  the first one's result and `duplicate: true`;
- deleting what is already gone is ignored; an update of a record the server never had is a
  forged id, refused with BAD_USER_INPUT; writing a record deleted before the client's last pull
  creates it again (the client saw the deletion and still wants it);
- metric points are add-only; a point for the same project, kind and instant as an older one
  replaces it (as `recordMetrics` does); the points of a deleted project go with it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.common.errors import CONFLICT, InputErrors, user_error
from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import metrics_outbox as O
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.db.tables import sync_pushes as PUSHES
from subgraphs.db.tables import sync_tombstones as T
from subgraphs.projects import validation as v
from subgraphs.sync.records import BOOKKEEPING, SERVER_ID_PREFIX, PointRecord, ProjectRecord, Push

PUSH_MEMORY_MS = 30 * 24 * 3600 * 1000  # how long an applied push is remembered


@dataclass(frozen=True)
class PushResult:
    timestamp: int  # the push's commit stamp
    created: int
    updated: int
    deleted: int
    duplicate: bool = False


def digest(changes: Any, last_pulled_at: float) -> str:
    """The push's identity: its data (WatermelonDB's bookkeeping columns left out) and lastPulledAt."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(val) for k, val in value.items() if k not in BOOKKEEPING}
        if isinstance(value, list):
            return [clean(val) for val in value]
        return value

    body = orjson.dumps({"changes": clean(changes), "lastPulledAt": last_pulled_at}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


class _Findings:
    def __init__(self) -> None:
        self.errors = InputErrors()
        self.conflicts: list[dict[str, str]] = []

    def conflict(self, table: str, record_id: str, why: str) -> None:
        self.conflicts.append({"table": table, "id": record_id, "reason": why})

    def raise_if_any(self) -> None:
        self.errors.raise_if_any("push")
        if self.conflicts:
            summary = "; ".join(f"{c['table']} {c['id']!r} {c['reason']}" for c in self.conflicts[:10])
            raise user_error(
                f"push refused, nothing written: changed on the server since lastPulledAt ({summary}); pull, then push again",
                CONFLICT,
                conflicts=self.conflicts,
            )


async def apply(
    conn: AsyncConnection, push: Push, last_pulled_at: float, push_digest: str, *, metrics_outbox: bool = False
) -> PushResult:
    """`metrics_outbox`: the metrics are also kept in a read model fed from `metrics_outbox`
    (Cassandra), so pushed points are enqueued there too, as `recordMetrics` does."""
    stamp = int(await conn.scalar(select(func.charter_sync_stamp())))  # type: ignore[arg-type]  # the stamp function never returns NULL
    lpa = math.floor(last_pulled_at)  # stamps are whole ms (WatermelonDB keeps lastPulledAt as an integer)
    if lpa >= stamp:
        raise user_error(f"lastPulledAt {last_pulled_at} is not a timestamp this server gave (its clock is at {stamp - 1})")
    prior = await conn.scalar(select(PUSHES.c.summary).where(PUSHES.c.digest == push_digest))
    if prior is not None:
        return PushResult(**{**orjson.loads(prior), "duplicate": True})

    found = _Findings()
    project_ids = [r.id for r in (*push.projects_created, *push.projects_updated)] + push.projects_deleted
    point_ids = [p.id for p in push.points_created] + push.points_deleted
    referenced = {p.project_id for p in push.points_created}
    projects = {r.id: r for r in (await conn.execute(select(P).where(P.c.id.in_({*project_ids, *referenced})))).all()}
    points = {r.sync_id: r for r in (await conn.execute(select(M).where(M.c.sync_id.in_(point_ids)))).all()}
    tombstones = await _tombstones(conn, {"projects": {*project_ids, *referenced}, "metric_points": set(point_ids)})

    writes = _Writes()
    deleting = set(push.projects_deleted)
    for created, records in ((True, push.projects_created), (False, push.projects_updated)):
        for record in records:
            _check_project(found, writes, record, created, projects.get(record.id),
                           tombstones.get(("projects", record.id)), lpa)
    await _check_nations(conn, found, writes)
    await _check_project_deletes(conn, found, writes, push.projects_deleted, projects, lpa)
    pushed_projects = {r.id for r in (*push.projects_created, *push.projects_updated)}
    for point in push.points_created:
        _check_point(found, writes, point, points.get(point.id), tombstones.get(("metric_points", point.id)),
                     lpa, point.project_id in projects or point.project_id in pushed_projects,
                     point.project_id in deleting, tombstones.get(("projects", point.project_id)))
    await _check_point_collisions(conn, found, writes, lpa)
    for i, point_id in enumerate(push.points_deleted):
        row = points.get(point_id)
        if row is not None and row.project_id not in deleting:
            found.errors.add(f"metric_points.deleted[{i}]",
                             "metric points are add-only: they are deleted only with their project")
    found.raise_if_any()

    await writes.run(conn, stamp, lpa, metrics_outbox)
    result = PushResult(stamp, writes.created, writes.updated, writes.deleted)
    await conn.execute(insert(PUSHES).values(digest=push_digest, applied_ms=stamp,
                                             summary=orjson.dumps(asdict(result)).decode()))
    # A repeat comes from a client retrying a push it never got an answer to: within minutes, or
    # after a long time offline, but then it has pulled first and pushes from a new lastPulledAt.
    await conn.execute(delete(PUSHES).where(PUSHES.c.applied_ms < stamp - PUSH_MEMORY_MS))
    return result


async def _tombstones(conn: AsyncConnection, ids: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    keys = [(table, record_id) for table, records in ids.items() for record_id in records]
    if not keys:
        return {}
    rows = await conn.execute(
        select(T.c.table_name, T.c.record_id, T.c.deleted_ms).where(tuple_(T.c.table_name, T.c.record_id).in_(keys))
    )
    return {(r.table_name, r.record_id): int(r.deleted_ms) for r in rows}


class _Writes:
    """What the push will do, gathered while checking; run only when nothing was refused."""

    def __init__(self) -> None:
        self.project_inserts: list[dict[str, Any]] = []
        self.project_updates: list[tuple[str, dict[str, Any]]] = []
        self.project_deletes: list[str] = []
        self.point_inserts: list[PointRecord] = []
        self.point_replacements: list[str] = []  # sync ids of older points at the same instant
        self.revived: list[tuple[str, str]] = []  # tombstones of records created again
        self.dropped_points: list[str] = []  # points of projects already deleted: tombstoned unwritten
        self.nation_codes: dict[str, str] = {}  # nation code -> where it was given

    @property
    def created(self) -> int:
        return len(self.project_inserts) + len(self.point_inserts)

    @property
    def updated(self) -> int:
        return len(self.project_updates)

    @property
    def deleted(self) -> int:
        return len(self.project_deletes)

    async def run(self, conn: AsyncConnection, stamp: int, pulled_at: int, metrics_outbox: bool = False) -> None:
        if self.dropped_points:
            # created_ms 0: news to every client, whenever it last pulled.
            rows = [{"table_name": "metric_points", "record_id": i, "created_ms": 0, "deleted_ms": stamp}
                    for i in self.dropped_points]
            stmt = pg_insert(T).values(rows)
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=[T.c.table_name, T.c.record_id],
                set_={"created_ms": stmt.excluded.created_ms, "deleted_ms": stmt.excluded.deleted_ms},
            ))
        if self.revived:
            await conn.execute(delete(T).where(tuple_(T.c.table_name, T.c.record_id).in_(self.revived)))
        if self.project_inserts:
            await conn.execute(insert(P), [{**row, "sync_pushed_from_ms": pulled_at} for row in self.project_inserts])
        for project_id, values in self.project_updates:
            await conn.execute(update(P).where(P.c.id == project_id).values(**values, updated_at=func.now()))
        if self.point_replacements:
            await conn.execute(delete(M).where(M.c.sync_id.in_(self.point_replacements)))
        if self.point_inserts:
            rows = [{"sync_id": p.id, "project_id": p.project_id, "kind": p.kind, "value": p.value, "ts": p.ts,
                     "sync_pushed_from_ms": pulled_at} for p in self.point_inserts]
            if metrics_outbox:
                # The read model's applier takes them after commit (a replaced point's new row
                # overwrites the old one there: both have the same project, kind and instant).
                ids = (await conn.execute(insert(M).values(rows).returning(M.c.id))).scalars().all()
                await conn.execute(insert(O), [{"point_id": i} for i in ids])
            else:
                await conn.execute(insert(M), rows)
        if self.project_deletes:
            # Their points go too (ON DELETE CASCADE), each leaving a tombstone.
            await conn.execute(delete(P).where(P.c.id.in_(self.project_deletes)))


def _check_project(found: _Findings, writes: _Writes, record: ProjectRecord, created: bool, row: Any,
                   deleted_ms: int | None, lpa: int) -> None:
    if "nation_code" in record.values:
        writes.nation_codes.setdefault(record.values["nation_code"], f"{record.where}.nation_id")
    if row is not None:
        if row.sync_updated_ms > lpa:
            found.conflict("projects", record.id, "was changed")
            return
        start = record.values.get("start_date", row.start_date)
        end = record.values.get("end_date", row.end_date)
        merged = InputErrors()
        v.check_dates(merged, start, end)
        v.check_status_progress(merged, record.values.get("status", row.status), record.values.get("progress", row.progress))
        raw_name = {"endDate": "end_date", "startDate": "start_date", "progress": "progress"}
        for problem in merged.problems:
            found.errors.add(f"{record.where}.{raw_name[problem['field']]}", problem["message"])
        changed = {k: val for k, val in record.values.items() if getattr(row, k) != val}
        if changed:  # a record pushed again unchanged is no change
            writes.project_updates.append((record.id, changed))
        return
    if deleted_ms is not None and deleted_ms > lpa:
        found.conflict("projects", record.id, "was deleted")
        return
    if deleted_ms is None and not created:
        found.errors.add(f"{record.where}.id", f"no project {record.id!r}: an update must name a record the server has")
        return
    if deleted_ms is None and record.id.startswith(SERVER_ID_PREFIX["projects"]):
        found.errors.add(f"{record.where}.id", f"ids starting {SERVER_ID_PREFIX['projects']!r} are the server's to give")
        return
    if not record.complete:
        found.errors.add(record.where, "was deleted: creating it again needs every column")
        return
    if deleted_ms is not None:
        writes.revived.append(("projects", record.id))
    writes.project_inserts.append({"id": record.id, "end_date": None, **record.values})


async def _check_nations(conn: AsyncConnection, found: _Findings, writes: _Writes) -> None:
    if not writes.nation_codes:
        return
    known = set((await conn.scalars(select(N.c.code).where(N.c.code.in_(writes.nation_codes)))).all())
    for code, where in writes.nation_codes.items():
        if code not in known:
            found.errors.add(where, f"no nation {code!r}")


async def _check_project_deletes(conn: AsyncConnection, found: _Findings, writes: _Writes,
                                 deleted: list[str], projects: dict[str, Any], lpa: int) -> None:
    present = [project_id for project_id in deleted if project_id in projects]  # gone already: ignored
    for project_id in present:
        if projects[project_id].sync_updated_ms > lpa:
            found.conflict("projects", project_id, "was changed")
    if present:
        # Deleting a project deletes its points: points added since the client's pull are news to it.
        newer = await conn.execute(
            select(M.c.project_id, M.c.sync_id).where(M.c.project_id.in_(present), M.c.sync_updated_ms > lpa).limit(20)
        )
        for row in newer:
            found.conflict("metric_points", row.sync_id, f"was added to project {row.project_id!r}")
    writes.project_deletes = present


def _check_point(found: _Findings, writes: _Writes, point: PointRecord, row: Any, deleted_ms: int | None,
                 lpa: int, project_exists: bool, project_deleting: bool, project_deleted_ms: int | None) -> None:
    if row is not None:
        same = (row.project_id, row.kind, row.value, row.ts) == (point.project_id, point.kind, point.value, point.ts)
        if same:
            return  # pushed again: already there
        if row.sync_updated_ms > lpa:
            found.conflict("metric_points", point.id, "was changed")
        else:
            found.errors.add(point.where, f"metric point {point.id!r} exists with other values: points are add-only")
        return
    if deleted_ms is not None and deleted_ms > lpa:
        found.conflict("metric_points", point.id, "was deleted")
        return
    if deleted_ms is None and point.id.startswith(SERVER_ID_PREFIX["metric_points"]):
        found.errors.add(f"{point.where}.id", f"ids starting {SERVER_ID_PREFIX['metric_points']!r} are the server's to give")
        return
    if project_deleting:
        found.errors.add(f"{point.where}.project_id", f"project {point.project_id!r} is deleted by this push")
        return
    if not project_exists:
        if project_deleted_ms is None:
            found.errors.add(f"{point.where}.project_id", f"no project {point.project_id!r}")
        elif project_deleted_ms > lpa:
            found.conflict("projects", point.project_id, "was deleted")
        else:
            # Recorded offline on a project deleted since; the client has seen the deletion and
            # still holds the point: drop it, and a tombstone tells the client to drop it too.
            writes.dropped_points.append(point.id)
        return
    if deleted_ms is not None:
        writes.revived.append(("metric_points", point.id))
    writes.point_inserts.append(point)


async def _check_point_collisions(conn: AsyncConnection, found: _Findings, writes: _Writes, lpa: int) -> None:
    """A new point at the same project, kind and instant as a stored one replaces it, unless the
    stored one is news to the client (then: CONFLICT, the client pulls it first)."""
    if not writes.point_inserts:
        return
    keys = [(p.project_id, p.kind, p.ts) for p in writes.point_inserts]
    rows = await conn.execute(
        select(M.c.sync_id, M.c.project_id, M.c.kind, M.c.ts, M.c.sync_updated_ms)
        .where(tuple_(M.c.project_id, M.c.kind, M.c.ts).in_(keys))
    )
    for row in rows:
        if row.sync_updated_ms > lpa:
            found.conflict("metric_points", row.sync_id, "was recorded at the same instant")
        else:
            writes.point_replacements.append(row.sync_id)
