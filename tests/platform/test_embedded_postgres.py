"""The embedded cluster: PostgreSQL 16 from the pgserver wheel, run unprivileged, with a
streaming replica that is read-only and follows the primary."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import asyncpg

from infra.postgres import EmbeddedCluster


async def test_primary_and_streaming_replica() -> None:
    base = Path(tempfile.mkdtemp(prefix="charter-pg-"))
    cluster = EmbeddedCluster(base, ["sin"])
    try:
        await cluster.start()
        primary = await asyncpg.connect(cluster.primary_url())
        replica = await asyncpg.connect(cluster.replica_url("sin"))
        try:
            assert (await primary.fetchval("SHOW server_version")).startswith("16.")
            assert await replica.fetchval("SELECT pg_is_in_recovery()") is True
            owner = pwd.getpwuid((base / "primary").stat().st_uid).pw_name
            assert owner != "root" or os.geteuid() != 0
            await primary.execute("CREATE TABLE ping (n int); INSERT INTO ping VALUES (42)")
            lsn = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
            # Streaming has no notification we can await from a client: poll, bounded.
            for _ in range(500):
                if await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", lsn):
                    break
                await asyncio_sleep()
            assert await replica.fetchval("SELECT n FROM ping") == 42
            try:
                await replica.execute("INSERT INTO ping VALUES (1)")
                raise AssertionError("a replica accepted a write")
            except asyncpg.exceptions.ReadOnlySQLTransactionError:
                pass
        finally:
            await primary.close()
            await replica.close()
    finally:
        await cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    assert not cluster.primary.running and not cluster.replicas["sin"].running


async def asyncio_sleep() -> None:
    import asyncio

    await asyncio.sleep(0.01)
