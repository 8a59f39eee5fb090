"""Apply the Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from subgraphs.db.urls import async_url

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(database_url: str, revision: str = "head") -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", async_url(database_url))
    command.upgrade(cfg, revision)


async def upgrade_async(database_url: str) -> None:
    # env.py runs its own event loop (asyncio.run), so it must not run on ours.
    await asyncio.to_thread(upgrade, database_url)
