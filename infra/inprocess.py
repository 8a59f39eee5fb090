"""Serving ASGI apps inside the current event loop, on sockets bound before the server starts.

Binding first means the port is ours (no free-port race) and a client may connect at once: the
kernel queues the connection until uvicorn, after its lifespan startup, starts accepting. So no
one has to wait for a "started" flag. Used by tests and by anything that wants a real HTTP server
without a subprocess.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass
class ServedApp:
    app: Any
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)


def _listening_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def wait_started(served: Any) -> None:
    """Until every server ran its lifespan startup (and raise if one failed there): for apps
    whose startup is slow (the metrics subgraph backfilling Cassandra), where queued
    connections would otherwise time out."""
    for s in served:
        while not s.server.started:
            if s.task.done():
                s.task.result()  # the startup's exception
                raise RuntimeError("server exited during startup")
            await asyncio.sleep(0.05)


def serve_in_loop(app: Any, port: int = 0) -> ServedApp:
    sock = _listening_socket(port)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    # The host process owns its signals: don't let uvicorn capture Ctrl-C for this server.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]  # a context manager factory, as uvicorn's own
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return ServedApp(app, int(sock.getsockname()[1]), server, task)
