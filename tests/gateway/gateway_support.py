"""Helpers for gateway tests: free ports, processes started as users start them, readiness."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from infra.ports import free_port as free_port
from infra.processes import ChildProcess, start_http

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = SCENARIO


@dataclass
class Proc:
    """A server process on a loopback port (infra's ChildProcess), its stderr kept in a file."""

    child: ChildProcess
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.child.popen

    @property
    def stderr_path(self) -> Path:
        return self.child.log_path

    def stderr_lines(self) -> list[str]:
        return self.child.log_lines()

    def stop(self, grace_s: float = 10.0) -> None:
        self.child.stop(grace_s)


def _not_a_server_error(response: httpx.Response) -> bool:
    return response.status_code < 500


def spawn(argv: list[str], port: int, health: str, env: dict[str, str] | None = None) -> Proc:
    """Run argv (stderr to a temporary log, stdout dropped) and wait until GET `health` on its
    port answers below 500; fails with its stderr if it exits or never answers."""
    child = start_http(
        Path(argv[0]).name, argv, f"http://127.0.0.1:{port}{health}", cwd=REPO, env=env,
        stdout=False, ready=_not_a_server_error,
    )
    return Proc(child, port)


GatewayFactory = Callable[..., "Proc"]
