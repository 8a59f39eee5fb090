"""syncPull: every change since the client's last pull, in WatermelonDB's shape, and the stamp to
pull from next time.

Stamping transactions commit in stamp order (migration 0002). A pull takes a stamp T of its own,
commits it, then reads in one REPEATABLE READ snapshot the rows stamped below T: all committed by
then, and no commit after can stamp below T. The next pull, from T, misses nothing. A pull waits
at most for the writer holding the clock (writes are short), and never holds it while it reads.
On the primary (the stamp is a write): a replica behind the client's last push would also hand
back older rows, and the push that follows would be refused as a conflict until it caught up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.common.errors import InputErrors, user_error
from subgraphs.db.tables import sync_tombstones as T
from subgraphs.sync.collections import (
    BY_NAME,
    COLLECTIONS,
    RAW_COLUMNS,
    SCHEMA_VERSION,
    Collection,
)

Changes = dict[str, dict[str, list[Any]]]


@dataclass(frozen=True)
class PullResult:
    changes: Changes
    timestamp: int  # this pull's own stamp


def since_of(last_pulled_at: float | None, what: str = "lastPulledAt") -> int | None:
    """None (or 0) means a first sync: everything. Stamps are whole milliseconds."""
    if last_pulled_at is None or last_pulled_at == 0:
        return None
    if not math.isfinite(last_pulled_at) or last_pulled_at < 0:
        raise user_error(f"{what} must be a timestamp a pull returned (ms since the epoch), got {last_pulled_at!r}")
    return math.floor(last_pulled_at)


@dataclass(frozen=True)
class Migration:
    """What a client that upgraded its schema asks for again: whole tables, or tables with new columns."""

    tables: frozenset[str]
    column_tables: frozenset[str]


def check_schema(schema_version: int, migration: Any) -> Migration | None:
    if schema_version != SCHEMA_VERSION:
        raise user_error(
            f"schemaVersion {schema_version} is not supported: this server syncs app schema version {SCHEMA_VERSION}",
            fields=[{"field": "schemaVersion", "message": f"must be {SCHEMA_VERSION}"}],
        )
    if migration is None:
        return None
    errors = InputErrors()
    if not isinstance(migration, dict) or set(migration) - {"from", "tables", "columns"}:
        raise user_error("migration must be null or {from, tables, columns}", fields=[{"field": "migration", "message": "malformed"}])
    start, tables, columns = migration.get("from"), migration.get("tables", []), migration.get("columns", [])
    if not isinstance(start, int) or isinstance(start, bool) or not 1 <= start < schema_version:
        errors.add("migration.from", f"must be a schema version below {schema_version}")
    if not isinstance(tables, list) or not all(isinstance(t, str) and t in BY_NAME for t in tables):
        errors.add("migration.tables", f"must list tables among {', '.join(BY_NAME)}")
        tables = []
    column_tables: set[str] = set()
    if not isinstance(columns, list):
        errors.add("migration.columns", "must be a list of {table, columns}")
        columns = []
    for i, entry in enumerate(columns):
        ok = (
            isinstance(entry, dict)
            and entry.get("table") in RAW_COLUMNS
            and isinstance(entry.get("columns"), list)
            and all(c in RAW_COLUMNS[entry["table"]] for c in entry["columns"])
        )
        if not ok:
            errors.add(f"migration.columns[{i}]", "must name a synced table and some of its columns")
        else:
            column_tables.add(entry["table"])
    errors.raise_if_any("migration")
    return Migration(frozenset(tables), frozenset(column_tables))


async def pull(engine: AsyncEngine, last_pulled_at: float | None, schema_version: int, migration: Any) -> PullResult:
    since = since_of(last_pulled_at)
    wanted = check_schema(schema_version, migration)
    async with engine.connect() as conn:
        async with conn.begin():
            # The pull takes a stamp of its own (waiting for a writer that holds the clock) and
            # commits it at once: every row stamped below it is committed now, and no later commit
            # can stamp below it. Its own stamp makes its timestamp unique to it, so a push's
            # lastPulledAt tells whose pull it follows.
            timestamp = int(await conn.scalar(select(func.charter_sync_stamp())))  # type: ignore[arg-type]  # the stamp function never returns NULL
        if since is not None and since >= timestamp:
            raise user_error(f"lastPulledAt {since} is later than this server's clock: not a timestamp it gave")
        async with conn.begin():
            await conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            changes: Changes = {}
            for collection in COLLECTIONS:
                if since is None or (wanted is not None and collection.name in wanted.tables):
                    # A first sync, or a table new to the client's schema: every row, as created.
                    lists = orjson.loads(await conn.scalar(collection.changes_json(None, None, None, timestamp)))
                    changes[collection.name] = {**lists, "deleted": []}
                    continue
                # New columns in the client's schema: every row again (as updated, unless created since).
                changed_after = None if wanted is not None and collection.name in wanted.column_tables else since
                query = collection.changes_json(changed_after, since, since, timestamp)
                lists = orjson.loads(await conn.scalar(query))
                changes[collection.name] = {**lists, "deleted": await _deleted(conn, collection, since, timestamp)}
    return PullResult(changes, timestamp)


async def _deleted(conn: Any, collection: Collection, since: int, before: int) -> list[str]:
    """Records deleted since the last pull that the client could know of (created by then), and
    that were not created again since."""
    query = (
        select(T.c.record_id)
        .where(
            T.c.table_name == collection.table.name,
            T.c.deleted_ms > since,
            T.c.deleted_ms < before,
            T.c.created_ms <= since,
            ~exists().where(and_(collection.key == T.c.record_id)),
        )
        .order_by(T.c.record_id)
    )
    return list((await conn.scalars(query)).all())
