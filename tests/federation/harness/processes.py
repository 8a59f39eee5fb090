"""Start servers on free loopback ports, wait until they answer, and stop them (infra's helpers)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.ports import free_port as free_port
from infra.processes import ChildProcess, ProcessFailed, start_http

REPO_ROOT = Path(__file__).resolve().parents[3]


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released: connections are refused)."""
    return free_port()


class StartupError(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    child: ChildProcess
    url: str
    files: list[Path] = field(default_factory=list)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.child.popen

    def log(self) -> str:
        return self.child.log_text(6000)

    def stop(self) -> None:
        # Graceful shutdown may wait on idle keep-alive connections: don't wait long.
        self.child.stop(grace=3.0)
        for path in self.files:
            path.unlink(missing_ok=True)


def _answers_200(response: httpx.Response) -> bool:
    return response.status_code == 200


def start_server(
    name: str,
    argv: Sequence[str],
    port: int,
    health_path: str,
    env: dict[str, str] | None = None,
    files: list[Path] | None = None,
    ready: Callable[[httpx.Response], bool] = _answers_200,
) -> Server:
    """Run argv, poll http://127.0.0.1:port/health_path until `ready`, within infra's STARTUP_BOUND_S.

    Fails with the server's own output when it exits or never becomes ready."""
    url = f"http://127.0.0.1:{port}"
    try:
        child = start_http(name, argv, url + health_path, cwd=REPO_ROOT, env=env, ready=ready)
    except ProcessFailed as error:
        for path in files or []:
            path.unlink(missing_ok=True)
        raise StartupError(str(error)) from None
    return Server(name, child, url, files or [])
