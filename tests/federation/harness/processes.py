"""Start servers on free loopback ports, wait until they answer, and stop them."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released: connections are refused)."""
    return free_port()


class StartupError(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    files: list[Path] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                # Graceful shutdown may wait on idle keep-alive connections: don't wait long.
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for path in [*self.files, self.log_path]:
            path.unlink(missing_ok=True)


def start_server(
    name: str,
    argv: Sequence[str],
    port: int,
    health_path: str,
    env: dict[str, str] | None = None,
    files: list[Path] | None = None,
    ready: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200,
) -> Server:
    """Run argv, poll http://127.0.0.1:port/health_path until `ready`, within STARTUP_TIMEOUT_S.

    Fails with the server's own output when it exits or never becomes ready."""
    with tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False) as log_file:
        process = subprocess.Popen(
            list(argv),
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    server = Server(name, process, f"http://127.0.0.1:{port}", Path(log_file.name), files or [])
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = server.log()
                server.stop()
                raise StartupError(f"{name} exited with {process.returncode}:\n{output}")
            try:
                if ready(client.get(server.url + health_path)):
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a port that is not open yet: there is no event to await
    output = server.log()
    server.stop()
    raise StartupError(f"{name} not ready within {STARTUP_TIMEOUT_S}s:\n{output}")
