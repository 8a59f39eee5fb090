"""Keeps `charter up`'s processes running: one that exits when nobody asked it to is started
again after a backoff (0.25 s, doubling to 10 s; back to 0.25 s once it has run for 30 s), and
the state of every process is written to `<data-dir>/status.json` for `charter status`.

Each `Unit` wraps something that can be started and waited on (a `ManagedProcess`, a
`PostgresServer`), with what `charter status` shows about it: role, region, port, health URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from infra.processes import ProcessFailed

log = logging.getLogger("charter.up.supervisor")

STATUS_FILE = "status.json"
STATUS_SCHEMA = "charter-status/1"
BACKOFF_START = 0.25
BACKOFF_MAX = 10.0
STABLE_AFTER = 30.0  # seconds of running that reset the backoff


class Startable(Protocol):
    @property
    def pid(self) -> int | None: ...

    @property
    def running(self) -> bool: ...

    async def wait_exited(self) -> int | None: ...


@dataclass
class Unit:
    name: str
    role: str  # gateway | subgraph | postgres-primary | postgres-replica | nats | events | redis
    process: Startable
    start: Callable[[], Awaitable[None]]  # (re)start and wait until ready
    region: str | None = None
    port: int | None = None
    url: str | None = None
    health_url: str | None = None  # GET -> 200 when healthy (HTTP servers)
    restarts: int = 0
    state: str = "running"  # starting | running | restarting | stopped
    last_exit: int | None = None
    last_exit_at: float | None = None
    pid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "role": self.role, "region": self.region, "port": self.port,
            "pid": self.process.pid or self.pid, "state": self.state, "restarts": self.restarts,
            "last_exit_code": self.last_exit, "last_exit_at": self.last_exit_at,
            "url": self.url, "health_url": self.health_url, **self.extra,
        }


class Supervisor:
    def __init__(self, data_dir: Path, say: Callable[[str], None], gateway_url: str = "") -> None:
        self.data_dir = data_dir
        self.say = say
        self.gateway_url = gateway_url
        self.units: list[Unit] = []
        self.started_at = time.time()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def add(self, unit: Unit) -> Unit:
        unit.pid = unit.process.pid
        self.units.append(unit)
        self.write()
        return unit

    def run(self) -> None:
        """Start watching every unit added so far (call once the stack is up)."""
        self._tasks = [asyncio.create_task(self._watch(u), name=f"supervise:{u.name}") for u in self.units]
        self.write()

    async def stop(self) -> None:
        self._stopping = True
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for u in self.units:
            u.state = "stopped"
        self.write(stopping=True)

    async def _watch(self, unit: Unit) -> None:
        backoff = BACKOFF_START
        while not self._stopping:
            began = time.monotonic()
            code = await unit.process.wait_exited()
            if self._stopping:
                return
            unit.last_exit, unit.last_exit_at = code, time.time()
            unit.state = "restarting"
            self.write()
            if time.monotonic() - began >= STABLE_AFTER:
                backoff = BACKOFF_START
            self.say(f"{unit.name} exited (code {code}); restarting in {backoff:g}s")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            if self._stopping:
                return
            unit.restarts += 1
            unit.state = "starting"
            self.write()
            try:
                await unit.start()
            except (ProcessFailed, OSError, RuntimeError) as e:
                self.say(f"{unit.name} did not restart: {str(e).splitlines()[0] if str(e) else e}")
                continue  # it has exited: the loop waits no time and backs off further
            unit.pid = unit.process.pid
            unit.state = "running"
            self.say(f"{unit.name} restarted (pid {unit.pid}, restart {unit.restarts})")
            self.write()

    def snapshot(self, stopping: bool = False) -> dict[str, Any]:
        return {
            "schema": STATUS_SCHEMA,
            "up": {
                "pid": os.getpid(), "started_at": self.started_at, "updated_at": time.time(),
                "data_dir": str(self.data_dir), "gateway_url": self.gateway_url,
                "state": "stopping" if stopping else "running",
            },
            "processes": [u.describe() for u in self.units],
        }

    def write(self, stopping: bool = False) -> None:
        """Atomically replace the status file (a reader never sees half of it)."""
        path = self.data_dir / STATUS_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.snapshot(stopping), indent=2))
        os.replace(tmp, path)
