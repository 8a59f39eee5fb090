"""Fixtures for the explorer, operator-endpoint and client tests: the benchmark subgraphs and
`charter gateway` started exactly as users start them, each gateway logging to its own file.

Imported by name into the test modules that use them (tests/gateway/conftest.py belongs to the
gateway engineer). The fixtures are module-scoped: each module gets a fresh gateway, so counters
and log files start empty, and nothing outlives the module that started it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from bench.federation.workload import SUBGRAPHS_ADDRESS

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = SCENARIO
TOOLS_NODE = REPO / "tools" / "node"
CHARTER = REPO / ".venv" / "bin" / "charter"
PYTHON = REPO / ".venv" / "bin" / "python"
STARTUP_TIMEOUT_S = 30.0
# The benchmark supergraph names this address for its four subgraphs; tests rewrite its port.
WORKLOAD_SUBGRAPHS_ADDRESS = SUBGRAPHS_ADDRESS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """A process serving HTTP on a loopback port, with its stderr kept in a file."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr_lines(self) -> list[str]:
        return self.stderr_path.read_text(errors="replace").splitlines()

    def stop(self, grace_s: float = 10.0) -> None:
        # Its own session: uvicorn workers or anything it spawned go with it.
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_service(
    name: str, argv: list[str], port: int, ready_path: str, logs: Path, env: dict[str, str] | None = None
) -> Service:
    """Run argv and wait until GET ready_path answers 200; fail with its stderr otherwise."""
    stderr_path = logs / f"{name}.stderr.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    service = Service(name, process, port, stderr_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n" + "\n".join(service.stderr_lines())
                )
            try:
                if client.get(service.url + ready_path).status_code == 200:
                    return service
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # a port that is not open yet sends no event to await
    service.stop()
    raise RuntimeError(f"{name} not ready in {STARTUP_TIMEOUT_S}s:\n" + "\n".join(service.stderr_lines()))


def workload_supergraph(subgraphs: Service) -> str:
    text = (WORKLOAD / "supergraph.graphql").read_text()
    return text.replace(WORKLOAD_SUBGRAPHS_ADDRESS, f"127.0.0.1:{subgraphs.port}")


def start_gateway(
    supergraph_text: str, directory: Path, *extra: str, env: dict[str, str] | None = None
) -> Service:
    """`charter gateway` on a supergraph file of its own directory (the reload watcher watches it)."""
    directory.mkdir(parents=True, exist_ok=True)
    supergraph = directory / "supergraph.graphql"
    supergraph.write_text(supergraph_text)
    port = free_port()
    argv = [str(CHARTER), "gateway", "--supergraph", str(supergraph),
            "--host", "127.0.0.1", "--port", str(port), *extra]
    return start_service("gateway", argv, port, "/health", directory, env)


def benchmark_query() -> str:
    return (WORKLOAD / "query.graphql").read_text()


def benchmark_expected() -> dict[str, Any]:
    expected = orjson.loads((WORKLOAD / "expected.json").read_bytes())
    assert isinstance(expected, dict)
    return expected


@pytest.fixture(scope="module")
def benchmark_subgraphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    logs = tmp_path_factory.mktemp("subgraphs")
    port = free_port()
    argv = [str(PYTHON), "-m", "bench.federation.subgraphs", "--port", str(port)]
    service = start_service("subgraphs", argv, port, "/health", logs)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def gateway_process(
    benchmark_subgraphs: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    service = start_gateway(
        workload_supergraph(benchmark_subgraphs), tmp_path_factory.mktemp("gateway")
    )
    try:
        yield service
    finally:
        service.stop()
