"""The GraphQL face of sync: `syncPull` and `syncPush`, added to the projects subgraph's Query and
Mutation (all subgraphs share the regional database; the app's editable data is projects')."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.scalars import JSON

from subgraphs.common.context import RequestContext
from subgraphs.common.errors import user_error
from subgraphs.sync import pull as pulling
from subgraphs.sync import push as pushing
from subgraphs.sync import records


@strawberry.type(description="What changed since the client's last pull, in WatermelonDB's sync shape")
class SyncPull:
    changes: JSON = strawberry.field(description="{ table: { created: [raw records], updated: [raw records], deleted: [ids] } }")
    timestamp: float = strawberry.field(description="pass as lastPulledAt next time (server ms, from the database clock)")


@strawberry.type(description="A push applied whole")
class SyncPushResult:
    timestamp: float = strawberry.field(description="the push's commit stamp: its changes are pulled as of it")
    created: int
    updated: int
    deleted: int
    duplicate: bool = strawberry.field(description="this same push was applied before: nothing was written now")


async def sync_pull(
    info: strawberry.Info,
    *,
    # UNSET (not None) as the default keeps `= null` out of the SDL: the field reads as specified.
    last_pulled_at: float | None = strawberry.UNSET,
    schema_version: int,
    migration: JSON | None = strawberry.UNSET,
) -> SyncPull:
    ctx: RequestContext = info.context
    last_pulled_at = None if last_pulled_at is strawberry.UNSET else last_pulled_at
    migration = None if migration is strawberry.UNSET else migration
    result = await pulling.pull(ctx.db.primary, last_pulled_at, schema_version, migration)
    return SyncPull(changes=result.changes, timestamp=float(result.timestamp))  # type: ignore[arg-type]  # strawberry's JSON scalar holds any JSON value


async def sync_push(info: strawberry.Info, changes: JSON, last_pulled_at: float) -> SyncPushResult:
    if pulling.since_of(last_pulled_at) is None:
        raise user_error("lastPulledAt must be the timestamp of a pull: a client pulls before it pushes")
    parsed = records.parse(changes)
    key = pushing.digest(changes, last_pulled_at)
    ctx: RequestContext = info.context

    async def work(conn: AsyncConnection) -> pushing.PushResult:
        return await pushing.apply(
            conn, parsed, last_pulled_at, key, metrics_outbox=ctx.settings.metrics_store == "cassandra"
        )

    result = await ctx.write(work)
    return SyncPushResult(
        timestamp=float(result.timestamp), created=result.created, updated=result.updated,
        deleted=result.deleted, duplicate=result.duplicate,
    )


PULL_DESCRIPTION = "WatermelonDB sync, pull: changes to nations, projects and metric points since lastPulledAt (null: everything)"
PUSH_DESCRIPTION = (
    "WatermelonDB sync, push: apply offline changes to projects and metric points, all or nothing. "
    "CONFLICT when a record changed on the server since lastPulledAt (pull, then push again); the same push twice applies once"
)
