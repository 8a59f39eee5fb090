"""The tables the app keeps offline, as WatermelonDB sees them: raw records (snake_case columns,
strings, numbers and nulls, keyed by a string `id`) made from our rows.

The app's schema (tests/sync/watermelon/app.mjs defines it the same way):
  nations        read-only        id = ISO alpha-2 code
  projects       create/update/delete, per subgraphs/projects/validation.py; `nation_id` -> nations
  metric_points  add only          `project_id` -> projects; `measured_at` in ms since the epoch
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Select,
    Table,
    Text,
    and_,
    cast,
    extract,
    func,
    literal,
    literal_column,
    not_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from subgraphs.db.tables import metric_points as M
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P

# WatermelonDB's schema version of the app this server speaks to (appSchema({ version })).
SCHEMA_VERSION = 1


def _ms(ts: Any) -> Any:
    return cast(func.floor(extract("epoch", ts) * 1000), BigInteger)


@dataclass(frozen=True)
class Collection:
    name: str  # the WatermelonDB table name
    table: Table
    key: Column[Any]  # the column holding the record's `id`
    fields: tuple[tuple[str, ColumnElement[Any]], ...]  # raw column name -> SQL expression, `id` first

    def changes_json(
        self, changed_after: int | None, created_after: int | None, pulled_at: int | None, before: int
    ) -> Select[Any]:
        """One statement: {"created": [...], "updated": [...]} as JSON text, built by the database
        (a first sync carries every row; building them one by one in Python takes seconds).

        Rows changed after `changed_after` (all if None); those created after `created_after` (all
        if None) are `created`, the others `updated` - and so is a row a push created from this
        very `pulled_at` (the client's lastPulledAt, unique to its pull): the pusher's own pull,
        echoing its push back. WatermelonDB takes `created` for a record it deleted locally since
        as a reason to bring it back; `updated` it leaves deleted. Rows stamped from `before` on
        are left for the next pull."""
        raw = func.json_build_object(*(part for name, expr in self.fields for part in (literal(name), expr)))
        pushed_from: Any = self.table.c.get("sync_pushed_from_ms", literal_column("NULL::bigint"))
        changed = select(
            self.key.label("key"), self.table.c.sync_created_ms.label("created_ms"),
            pushed_from.label("pushed_from"), raw.label("raw"),
        )
        changed = changed.where(self.table.c.sync_updated_ms < before)
        if changed_after is not None:
            changed = changed.where(self.table.c.sync_updated_ms > changed_after)
        rows = changed.subquery()
        ordered = func.json_agg(aggregate_order_by(rows.c.raw, rows.c.key))
        empty: Any = literal_column("'[]'::json")  # SQL expressions of several classes below
        if created_after is None:
            created: Any
            updated: Any
            created, updated = ordered, empty
        else:
            news = and_(rows.c.created_ms > created_after, rows.c.pushed_from.is_distinct_from(pulled_at))
            created = ordered.filter(news)
            updated = func.coalesce(ordered.filter(not_(news)), empty)
        document = func.json_build_object(literal("created"), func.coalesce(created, empty), literal("updated"), updated)
        return select(cast(document, Text)).select_from(rows)


COLLECTIONS: tuple[Collection, ...] = (
    Collection("nations", N, N.c.code, (
        ("id", N.c.code), ("alpha3", N.c.alpha3), ("name", N.c.name), ("official_name", N.c.official_name),
        ("group_name", N.c.group_name), ("un_region", N.c.un_region), ("un_subregion", N.c.un_subregion),
        ("un_status", N.c.un_status), ("capital", N.c.capital), ("population", N.c.population),
        ("gdp_usd", N.c.gdp_usd),
    )),
    Collection("projects", P, P.c.id, (
        ("id", P.c.id), ("name", P.c.name), ("sector", P.c.sector), ("status", P.c.status),
        ("budget_usd", P.c.budget_usd), ("start_date", P.c.start_date), ("end_date", P.c.end_date),
        ("progress", P.c.progress), ("home_region", P.c.home_region), ("nation_id", P.c.nation_code),
    )),
    Collection("metric_points", M, M.c.sync_id, (
        ("id", M.c.sync_id), ("project_id", M.c.project_id), ("kind", M.c.kind), ("value", M.c.value),
        ("measured_at", _ms(M.c.ts)),
    )),
)
BY_NAME = {c.name: c for c in COLLECTIONS}
# Raw column names per table (besides `id`): what a push may carry and a migration may name.
RAW_COLUMNS = {c.name: tuple(name for name, _ in c.fields[1:]) for c in COLLECTIONS}
