"""A project's followers, and the notification events they get (one per follower and cause)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.db.tables import followers as F
from subgraphs.events import contract
from subgraphs.events.contract import OutboxEvent


async def follow(conn: AsyncConnection, project_id: str, follower: str) -> bool:
    """True if `follower` was not following yet (following twice is a no-op)."""
    result = await conn.execute(
        insert(F).values(project_id=project_id, follower=follower).on_conflict_do_nothing().returning(F.c.follower)
    )
    return result.first() is not None


async def unfollow(conn: AsyncConnection, project_id: str, follower: str) -> bool:
    result = await conn.execute(
        delete(F).where(F.c.project_id == project_id, F.c.follower == follower).returning(F.c.follower)
    )
    return result.first() is not None


async def notify_followers(
    conn: AsyncConnection, project_id: str, region: str, reason: str, cause_event_id: str, message: str, at: dt.datetime
) -> list[OutboxEvent]:
    followers = (await conn.execute(select(F.c.follower).where(F.c.project_id == project_id).order_by(F.c.follower))).scalars()
    return [contract.notification(project_id, region, f, reason, cause_event_id, message, at) for f in followers]
