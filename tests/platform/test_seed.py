"""`charter seed` twice on an embedded primary: the second run adds nothing; counts as promised."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg

from infra.postgres import EmbeddedCluster
from infra.processes import run_tool


async def test_charter_seed_is_idempotent() -> None:
    base = Path(tempfile.mkdtemp(prefix="charter-seed-"))
    cluster = EmbeddedCluster(base, [])
    try:
        await cluster.start()
        outputs = []
        for _ in range(2):
            outputs.append(
                await run_tool([sys.executable, "-m", "charter", "seed", "--database-url", cluster.primary_url()])
            )
        assert "(+540)" in outputs[0]
        assert "(+0)" in outputs[1] and "540 projects" in outputs[1] and "195 nations" in outputs[1]
        conn = await asyncpg.connect(cluster.primary_url())
        try:
            per_region = dict(await conn.fetch("SELECT home_region, count(*) FROM projects GROUP BY 1"))
            members = await conn.fetchval("SELECT count(*) FROM nations WHERE un_status = 'member'")
            observers = sorted(r[0] for r in await conn.fetch("SELECT code FROM nations WHERE un_status = 'observer'"))
        finally:
            await conn.close()
        assert set(per_region) == {"ams", "jnb", "iad", "sfo", "syd", "sin"}
        assert min(per_region.values()) >= 50
        assert members == 193 and observers == ["PS", "VA"]
    finally:
        await cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_seed_without_a_database_is_a_clear_error() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "charter", "seed"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr
