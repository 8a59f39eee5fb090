"""The nations search index of this process: built once, at startup, from the stored names.

Nations are reference data, changed only by `charter seed` with new package data, which comes
with a restart; so the index is built once per database and kept. Startup waits for the build (a
fraction of a second) up to STARTUP_WAIT_S; past that, or if the database is not there yet, the app
starts anyway and the first search waits for (or retries) the build. An unseeded database is not
remembered as having no nations.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.db.engines import Database
from subgraphs.db.tables import nations as T
from subgraphs.nations.search import IndexedNation, SearchIndex
from subgraphs.settings import Settings

log = logging.getLogger(__name__)
STARTUP_WAIT_S = 20.0

# Built indexes by database (a process serves one; tests run several stacks in one process), and
# builds under way by database and event loop (a task belongs to the loop that made it).
_READY: dict[str, SearchIndex] = {}
_PENDING: dict[tuple[str, int], asyncio.Task[SearchIndex]] = {}


async def _build(url: str, engine: AsyncEngine) -> SearchIndex:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(T.c.code, T.c.name, T.c.group_name, T.c.search_names))).all()
    nations = [IndexedNation(r.code, r.name, r.group_name, r.search_names) for r in rows]
    # Some ten thousand names: built off the event loop so requests are not held up meanwhile.
    index = await asyncio.to_thread(SearchIndex, nations)
    if len(index):
        _READY[url] = index
    return index


def _start(url: str, engine: AsyncEngine) -> asyncio.Task[SearchIndex]:
    loop = asyncio.get_running_loop()
    key = (url, id(loop))
    task = _PENDING.get(key)
    if task is None or (task.done() and (task.cancelled() or task.exception() or not len(task.result()))):
        task = loop.create_task(_build(url, engine), name=f"nations-search-index:{url}")
        task.add_done_callback(_report)
        _PENDING[key] = task
    return task


def is_built(primary_url: str) -> bool:
    return primary_url in _READY


async def search_index(db: Database, settings: Settings) -> SearchIndex:
    """The index, built on the primary (always current) the first time only."""
    ready = _READY.get(settings.primary_url)
    if ready is not None:
        return ready
    # Shielded: a client that gives up does not cancel the build others wait for.
    return await asyncio.shield(_start(settings.primary_url, db.primary))


async def warm(db: Database, settings: Settings) -> None:
    """Startup hook: build the index before the first request, so no search pays for it."""
    try:
        await asyncio.wait_for(search_index(db, settings), STARTUP_WAIT_S)
    except Exception as exc:  # not fatal: the first search builds it
        log.warning("nations search index not built at startup: %r", exc)


def _report(task: asyncio.Task[SearchIndex]) -> None:
    # Retrieve a failed build's exception (it is logged by whoever awaited it, or here).
    if not task.cancelled() and task.exception() is not None:
        log.debug("nations search index build failed: %r", task.exception())
