"""What the stack says about itself, polled every 100 ms during a fault: the gateway's view of
each ams endpoint (`GET /health` routes), the ams subgraphs' read source (`/health`), and the
supervisor's state of each process (`status.json`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

POLL_S = 0.1


@dataclass
class View:
    at: float
    gateway: dict[str, str] = field(default_factory=dict)  # subgraph -> state of its ams endpoint
    reads: dict[str, str] = field(default_factory=dict)  # ams subgraph -> "replica" | "primary" | "down"
    processes: dict[str, str] = field(default_factory=dict)  # name -> supervisor state


class Observer:
    def __init__(self, gateway: str, data_dir: Path, home: str = "ams") -> None:
        self.gateway_health = gateway.rsplit("/", 1)[0] + "/health"
        self.data_dir = data_dir
        self.home = home
        self.last: View | None = None
        self._waiters: list[tuple[Callable[[View], bool], asyncio.Future[float]]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def when(self, check: Callable[[View], bool]) -> asyncio.Future[float]:
        """A future resolved with the monotonic time of the first view where `check` holds."""
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((check, fut))
        return fut

    async def _loop(self) -> None:
        timeout = aiohttp.ClientTimeout(total=1.0)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                view = await self._look(session)
                self.last = view
                for check, fut in list(self._waiters):
                    if not fut.done() and check(view):
                        fut.set_result(view.at)
                        self._waiters.remove((check, fut))
                await asyncio.sleep(POLL_S)

    async def _look(self, session: aiohttp.ClientSession) -> View:
        view = View(time.monotonic())
        status = self._status()
        view.processes = {p["name"]: p["state"] for p in status.get("processes", ())}
        urls = {
            p["name"]: p["health_url"] for p in status.get("processes", ())
            if p["role"] == "subgraph" and p["region"] == self.home
        }
        results = await asyncio.gather(
            self._get(session, self.gateway_health), *(self._get(session, u) for u in urls.values())
        )
        gateway, subgraphs = results[0], results[1:]
        for name, endpoints in ((gateway or {}).get("routes") or {}).items():
            for e in endpoints:
                if e.get("region") == self.home:
                    view.gateway[name] = e.get("state", "?")
        for name, body in zip(urls, subgraphs, strict=True):
            view.reads[name] = (body or {}).get("reads", "down")
        return view

    def _status(self) -> dict[str, Any]:
        try:
            return json.loads((self.data_dir / "status.json").read_text())
        except (OSError, ValueError):
            return {}

    async def _get(self, session: aiohttp.ClientSession, url: str) -> dict[str, Any] | None:
        try:
            async with session.get(url) as r:
                return await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
