"""Fixtures for the audit suites: one suite server hosting every subgraph, and our gateway per suite.

The process helpers and the gateway pool come from the federation corpus harness
(`tests/federation/harness`); only the subgraph host and the suite layout are the audit's own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "federation"))

from harness.gateways import GatewayPool
from harness.processes import REPO_ROOT, Server, free_port, start_server

from tests.audit.suites import live_supergraph

SERVER_SCRIPT = Path(__file__).resolve().parent / "suite_server.py"

SuiteGateway = Callable[[str], Server]


class SuiteServer:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.url, timeout=10.0)

    def reset(self) -> None:
        self.client.post("/_requests/reset").raise_for_status()

    def requests(self, suite: str) -> list[dict]:
        return [r for r in self.client.get("/_requests").raise_for_status().json() if r["scenario"] == suite]


@pytest.fixture(scope="session")
def suite_server() -> Iterator[SuiteServer]:
    port = free_port()
    argv = [str(REPO_ROOT / ".venv/bin/python"), str(SERVER_SCRIPT), "--port", str(port)]
    server = start_server("audit-suite-server", argv, port, "/_health")
    host = SuiteServer(server)
    try:
        yield host
    finally:
        host.client.close()
        server.stop()


@pytest.fixture(scope="session")
def audit_gateway_for(suite_server: SuiteServer) -> Iterator[SuiteGateway]:
    """Our gateway on a suite's supergraph; one live at a time (cases run suite by suite)."""
    pool = GatewayPool()

    def gateway_for(suite: str) -> Server:
        return pool.get("ours", f"audit:{suite}", live_supergraph(suite, suite_server.server.url))

    try:
        yield gateway_for
    finally:
        pool.close()


@pytest.fixture(scope="session")
def audit_http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0) as client:
        yield client
