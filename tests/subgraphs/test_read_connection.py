"""Reads run in autocommit (one round trip: the statement, no BEGIN and no ROLLBACK), and the pool
gives the same connection back transactional: a write after a read on it is still all or nothing.
Real PostgreSQL; asyncpg's query logger records the simple-protocol queries a connection sends,
which are the transaction's BEGIN, COMMIT and ROLLBACK (statements go as prepared ones)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from infra.stack import InProcessStack
from subgraphs.db.engines import Database, open_database, read_connection

pytest_plugins = ["infra.testing"]


@pytest_asyncio.fixture
async def db(stack: InProcessStack) -> AsyncIterator[Database]:
    # One connection in the pool, so the write below gets the connection the read used.
    database = open_database(stack.cluster.primary_url(), stack.cluster.replica_url("ams"), pool_size=1)
    try:
        yield database
    finally:
        await database.dispose()


def _record(raw: Any, sent: list[str]) -> None:
    raw.add_query_logger(lambda record: sent.append(record.query.strip().split()[0].rstrip(";").upper()))


async def _read(connection: Any) -> list[str]:
    sent: list[str] = []
    async with connection as conn:
        _record((await conn.get_raw_connection()).driver_connection, sent)
        assert (await conn.execute(text("SELECT 41 + 1"))).scalar() == 42
    return sent


async def test_a_read_sends_its_statement_alone(db: Database) -> None:
    for engine in (db.replica, db.primary):
        assert await _read(engine.connect()) == ["BEGIN", "ROLLBACK"]  # what a plain connection costs
        assert await _read(read_connection(engine)) == []


async def test_the_connection_is_transactional_again_after_a_read(db: Database) -> None:
    async with read_connection(db.primary) as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        await conn.execute(text("SELECT 1"))
    sent: list[str] = []
    async with db.primary.connect() as conn:
        assert (await conn.get_raw_connection()).driver_connection is raw  # the same pooled connection
        _record(raw, sent)
        with pytest.raises(RuntimeError):
            async with conn.begin():
                await conn.execute(text("CREATE TEMP TABLE t_read_conn (n int)"))
                raise RuntimeError("abort the write")
        # Rolled back: in autocommit the table would have stayed for the session.
        assert (await conn.execute(text("SELECT to_regclass('pg_temp.t_read_conn')"))).scalar() is None
    assert sent[:2] == ["BEGIN", "ROLLBACK"], sent  # the write's transaction (then the check's own)
