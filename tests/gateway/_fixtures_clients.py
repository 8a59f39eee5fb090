"""Fixtures for the explorer, operator-endpoint and client tests: the benchmark subgraphs and
`charter gateway` started exactly as users start them, each gateway logging to its own file.

Imported by name into the test modules that use them (tests/gateway/conftest.py belongs to the
gateway engineer). The fixtures are module-scoped: each module gets a fresh gateway, so counters
and log files start empty, and nothing outlives the module that started it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from bench.federation.workload import SUBGRAPHS_ADDRESS
from infra.ports import free_port
from infra.processes import start_http
from tests.gateway.gateway_support import Proc

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = SCENARIO
TOOLS_NODE = REPO / "tools" / "node"
CHARTER = REPO / ".venv" / "bin" / "charter"
PYTHON = REPO / ".venv" / "bin" / "python"
# The benchmark supergraph names this address for its four subgraphs; tests rewrite its port.
WORKLOAD_SUBGRAPHS_ADDRESS = SUBGRAPHS_ADDRESS


Service = Proc  # a process serving HTTP on a loopback port, its stderr kept in a file


def start_service(
    name: str, argv: list[str], port: int, ready_path: str, logs: Path, env: dict[str, str] | None = None
) -> Service:
    """Run argv and wait until GET ready_path answers 200; fail with its stderr otherwise."""
    child = start_http(
        name, argv, f"http://127.0.0.1:{port}{ready_path}", log_path=logs / f"{name}.stderr.log",
        cwd=REPO, env=env, stdout=False,
    )
    return Proc(child, port)


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
