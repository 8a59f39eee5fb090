"""`charter seed`: migrate, then upsert the seed data. Idempotent: a second run changes nothing.

Nations are reference data and are refreshed on every run; seeded projects and points are only
inserted when missing, so edits made through the API survive a re-seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from regions import load_layout
from subgraphs.db.engines import open_database
from subgraphs.db.migrate import upgrade_async
from subgraphs.db.tables import metric_points, nations, projects
from subgraphs.nations.catalog import load_catalog
from subgraphs.seed import metrics as metric_seed
from subgraphs.seed import projects as project_seed


async def _copy_points(conn: AsyncConnection, rows: list[dict[str, object]]) -> None:
    """Bulk-load points with COPY into a temp table, then insert the missing ones: building a
    60,000-row INSERT in SQLAlchemy takes seconds, COPY takes milliseconds."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # an open connection has its asyncpg connection
    await raw.execute(
        "CREATE TEMP TABLE seed_points (project_id text, kind text, value float8, ts timestamptz) ON COMMIT DROP"
    )
    await raw.copy_records_to_table(
        "seed_points",
        records=[(r["project_id"], r["kind"], r["value"], r["ts"]) for r in rows],
        columns=["project_id", "kind", "value", "ts"],
    )
    await raw.execute(
        "INSERT INTO metric_points (project_id, kind, value, ts) SELECT project_id, kind, value, ts"
        " FROM seed_points ON CONFLICT ON CONSTRAINT uq_metric_point DO NOTHING"
    )


@dataclass(frozen=True)
class SeedReport:
    nations: int
    projects: int
    metric_points: int
    projects_added: int
    points_added: int


async def seed(database_url: str) -> SeedReport:
    await upgrade_async(database_url)
    catalog = load_catalog()
    project_rows = project_seed.generate(catalog, load_layout().codes)
    point_rows = [p for row in project_rows for p in metric_seed.generate(row)]
    db = open_database(database_url)
    try:
        async with db.primary.begin() as conn:
            stmt = insert(nations).values([n.as_row() for n in catalog])
            refresh = {c.name: stmt.excluded[c.name] for c in nations.columns if c.name != "code"}
            await conn.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=refresh))
            before_projects = await conn.scalar(select(func.count()).select_from(projects))
            await conn.execute(insert(projects).values(project_rows).on_conflict_do_nothing(index_elements=["id"]))
            before_points = await conn.scalar(select(func.count()).select_from(metric_points))
            await _copy_points(conn, point_rows)
            counts = [
                await conn.scalar(select(func.count()).select_from(t)) for t in (nations, projects, metric_points)
            ]
    finally:
        await db.dispose()
    return SeedReport(
        nations=int(counts[0] or 0),
        projects=int(counts[1] or 0),
        metric_points=int(counts[2] or 0),
        projects_added=int(counts[1] or 0) - int(before_projects or 0),
        points_added=int(counts[2] or 0) - int(before_points or 0),
    )
