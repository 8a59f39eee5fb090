"""The two engines a regional subgraph holds: the primary (writes) and its region's replica (reads).

Every SQL statement sent through either is counted, so tests can assert that a deep query costs a
small constant number of statements (no N+1).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from subgraphs.db.urls import async_url

if TYPE_CHECKING:
    from subgraphs.db.replica import ReplicaHealth


@dataclass
class StatementCounter:
    count: int = 0
    log: list[str] = field(default_factory=list)
    keep_log: bool = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        context = args[1] if len(args) > 1 else None
        if context is not None and context.execution_options.get("uncounted"):
            return  # background work (the replica monitor), not a request's statement
        self.count += 1
        if self.keep_log:
            self.log.append(statement)


@dataclass
class Database:
    primary: AsyncEngine
    replica: AsyncEngine
    statements: StatementCounter
    replica_health: ReplicaHealth | None = None  # set by the app's replica monitor
    # Told of every read that carried a consistency token: (where it read, seconds it waited for
    # the replica to replay the token). The app's Prometheus metrics set it.
    on_token_read: Callable[[str, float], None] | None = None

    @property
    def has_replica(self) -> bool:
        return self.replica is not self.primary

    @property
    def replica_usable(self) -> bool:
        return self.has_replica and (self.replica_health is None or self.replica_health.ok)

    async def dispose(self) -> None:
        await self.primary.dispose()
        if self.has_replica:
            await self.replica.dispose()


@contextlib.asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for reads, in autocommit: no BEGIN before the statement and no ROLLBACK
    when it goes back to the pool, two round trips saved per read (they were an eighth of a
    subgraph's CPU under load). Under READ COMMITTED each statement has its own snapshot in a
    transaction too, so a read sees the same either way. The setting is client-side in the
    asyncpg adapter, and the pool resets it when the connection is returned."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def _engine(url: str, counter: StatementCounter, pool_size: int) -> AsyncEngine:
    # A connect timeout, so a replica or primary that does not answer costs a bounded wait.
    engine = create_async_engine(
        async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
        connect_args={"timeout": 2},
    )
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    return engine


def open_database(primary_url: str, replica_url: str | None = None, pool_size: int = 5) -> Database:
    counter = StatementCounter()
    primary = _engine(primary_url, counter, pool_size)
    replica = _engine(replica_url, counter, pool_size) if replica_url and replica_url != primary_url else primary
    return Database(primary, replica, counter)
