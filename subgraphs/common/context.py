"""Per-request state: read routing (replica or primary), DataLoaders, and the consistency token.

Every cross-entity field and every `_entities` reference goes through a DataLoader made here, once
per request, so a request costs one statement per entity kind and depth, not one per object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Executable
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from subgraphs.common.errors import BAD_CONSISTENCY_TOKEN, user_error
from subgraphs.db.availability import is_unavailable
from subgraphs.db.consistency import (
    HEADER,
    BadToken,
    ReadRoute,
    current_token,
    lsn_text,
    parse_token,
    route_read,
)
from subgraphs.db.engines import Database, read_connection
from subgraphs.events.actor import actor_from_headers
from subgraphs.settings import Settings

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


@dataclass
class RequestContext:
    db: Database
    settings: Settings
    request: Request | None = None
    response: Any = None  # strawberry's TemporalResponse: headers set here reach the client
    raw_token: str | None = None
    consistency_token: str | None = None  # set by a write: the primary's WAL position after commit
    metrics: Any = None  # the metrics subgraph's store (subgraphs/metrics/store.py), in that subgraph only
    # Set when a resolver read data outside PostgreSQL (Cassandra): no WAL position describes it.
    reads_outside_wal: bool = False
    _route: asyncio.Future[ReadRoute] | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    async def route(self) -> ReadRoute:
        if self._route is None:
            self._route = asyncio.get_running_loop().create_future()
            try:
                token = parse_token(self.raw_token)
            except BadToken as exc:
                self._route.set_exception(user_error(str(exc), BAD_CONSISTENCY_TOKEN))
            else:
                try:
                    route = await route_read(self.db, token, self.settings.consistency_wait_ms)
                except BaseException as exc:
                    self._route.set_exception(exc)
                else:
                    self._route.set_result(route)
                    if token is not None and self.db.on_token_read is not None:
                        self.db.on_token_read(route.source, route.waited_ms / 1000)
            if self.response is not None and self._route.exception() is None:
                self.response.headers["x-charter-read-source"] = self._route.result().source
        return await self._route

    async def reader(self) -> AsyncEngine:
        return (await self.route()).engine

    async def fetch(self, stmt: Executable) -> Sequence[Row[Any]]:
        route = await self.route()
        try:
            async with read_connection(route.engine) as conn:
                return (await conn.execute(stmt)).all()
        except Exception as exc:
            if route.source != "replica" or not is_unavailable(exc):
                raise
            # The replica went away under this read: the primary answers it, and the next ones.
            health = self.db.replica_health
            if health is not None:
                health.mark_down(f"a read failed: {exc.__class__.__name__}")
                health.fallbacks += 1
            # Every read of this request now reflects at least the lower of the two positions.
            seen = health.primary_lsn if health is not None else None
            position = min(route.position, seen) if route.position is not None and seen is not None else None
            self._set_route(ReadRoute(self.db.primary, "primary", route.waited_ms, position))
            async with read_connection(self.db.primary) as conn:
                return (await conn.execute(stmt)).all()

    def _set_route(self, route: ReadRoute) -> None:
        self._route = asyncio.get_running_loop().create_future()
        self._route.set_result(route)
        if self.response is not None:
            self.response.headers["x-charter-read-source"] = route.source

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in one primary transaction (all or nothing), then record the WAL token.

        Reads later in this request go to the primary: the response must show the write.
        """
        async with self.db.primary.connect() as conn:
            async with conn.begin():
                result = await work(conn)
            token = await current_token(conn)
        self.consistency_token = _highest(self.consistency_token, token)
        token = self.consistency_token
        loop = asyncio.get_running_loop()
        self._route = loop.create_future()
        self._route.set_result(ReadRoute(self.db.primary, "primary", 0.0))
        self._loaders.clear()  # anything cached before the write may be stale
        if self.response is not None:
            self.response.headers[HEADER] = token
        return result

    def read_position(self) -> str | None:
        """The WAL position this request's reads reflect at least, or None when unknown (no read,
        a write, a read outside PostgreSQL): sent as `extensions.readPosition` for caches."""
        route = self._route
        if self.reads_outside_wal or self.consistency_token or route is None or not route.done():
            return None
        if route.cancelled() or route.exception() is not None:
            return None
        position = route.result().position
        return lsn_text(position) if position is not None else None

    def actor(self) -> str:
        """The caller's subject for the audit trail ("anonymous" without one)."""
        return actor_from_headers(self.request.headers if self.request is not None else None)

    def loader(self, name: str, load: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        existing = self._loaders.get(name)
        if existing is None:
            existing = DataLoader(load_fn=load)
            self._loaders[name] = existing
        return existing


def _lsn(token: str) -> int:
    hi, lo = token.split("/", 1)
    return (int(hi, 16) << 32) | int(lo, 16)


def _highest(previous: str | None, token: str) -> str:
    """Several writes in one request: the token must cover all of them."""
    return token if previous is None or _lsn(token) >= _lsn(previous) else previous
