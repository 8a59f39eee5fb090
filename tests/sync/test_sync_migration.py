"""Migration 0002 on a database that already holds data (a platform upgraded in place): existing
rows get the clock's first stamp and `mp-<id>` sync ids, the triggers track what follows, and the
downgrade leaves the 0001 schema as it was."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from infra.postgres import EmbeddedCluster
from subgraphs.db.migrate import MIGRATIONS, upgrade
from subgraphs.db.urls import async_url


def _downgrade(url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", async_url(url))
    command.downgrade(cfg, revision)


async def _columns(conn: asyncpg.Connection, table: str) -> set[str]:
    rows = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = $1", table)
    return {r["column_name"] for r in rows}


async def test_upgrade_in_place_then_downgrade() -> None:
    base = Path(tempfile.mkdtemp(prefix="charter-sync-mig-"))
    cluster = EmbeddedCluster(base, [])
    try:
        await cluster.start()
        url = cluster.primary_url()
        await asyncio.to_thread(upgrade, url, "0001")
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "INSERT INTO nations VALUES ('KE', 'KEN', '404', 'Kenya', 'Republic of Kenya', 'Africa', 'Eastern Africa',"
                " 'EMEA', 'member', 'Nairobi', 1, 2, 'test', 'kenya');"
                "INSERT INTO projects (id, name, sector, status, budget_usd, start_date, progress, home_region, nation_code)"
                " VALUES ('prj-ams-001', 'Old', 'energy', 'active', 10, '2020-01-01', 0.5, 'ams', 'KE');"
                "INSERT INTO metric_points (project_id, kind, value, ts) VALUES ('prj-ams-001', 'progress', 0.5, now())"
            )
            before = await _columns(conn, "projects")
            await asyncio.to_thread(upgrade, url, "head")
            clock = await conn.fetchval("SELECT last_ms FROM sync_clock")
            assert await conn.fetchval("SELECT sync_created_ms FROM projects") == clock
            assert await conn.fetchval("SELECT sync_updated_ms FROM nations") == clock
            point_id = await conn.fetchval("SELECT id FROM metric_points")
            assert await conn.fetchval("SELECT sync_id FROM metric_points") == f"mp-{point_id}"
            # What follows is tracked: one stamp per transaction, past the clock; deletes leave tombstones.
            async with conn.transaction():
                await conn.execute("UPDATE projects SET name = 'New' WHERE id = 'prj-ams-001'")
                await conn.execute("INSERT INTO metric_points (project_id, kind, value, ts) VALUES ('prj-ams-001', 'progress', 0.6, now() - interval '1 day')")
            stamps = await conn.fetch("SELECT DISTINCT sync_updated_ms FROM metric_points WHERE sync_id <> $1", f"mp-{point_id}")
            assert [r[0] for r in stamps] == [await conn.fetchval("SELECT sync_updated_ms FROM projects")]
            assert stamps[0][0] > clock
            await conn.execute("UPDATE nations SET name = name")  # no change: no stamp
            assert await conn.fetchval("SELECT sync_updated_ms FROM nations") == clock
            await conn.execute("DELETE FROM projects")  # its points go with it
            tombstones = await conn.fetch("SELECT table_name, count(*) FROM sync_tombstones GROUP BY 1 ORDER BY 1")
            assert [tuple(t) for t in tombstones] == [("metric_points", 2), ("projects", 1)]

            await asyncio.to_thread(_downgrade, url, "0001")
            assert await _columns(conn, "projects") == before
            assert not await conn.fetchval("SELECT count(*) FROM pg_proc WHERE proname LIKE 'charter_sync%'")
            assert await conn.fetchval("SELECT to_regclass('sync_tombstones')") is None
        finally:
            await conn.close()
    finally:
        await cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
