"""Fixtures for the federation corpus: the subgraph server and the gateways under test."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.gateways import GatewayPool, PeerGateway, hive_available, node_available
from harness.processes import REPO_ROOT, Server, closed_port, free_port, start_server
from harness.scenarios import live_supergraph, scenario_names

SERVER_SCRIPT = Path(__file__).resolve().parent / "harness" / "subgraph_server.py"


class SubgraphServer:
    """The running subgraph host, and the requests it has recorded."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url
        self.down_url = f"http://127.0.0.1:{closed_port()}"
        self.client = httpx.Client(base_url=server.url, timeout=10.0)

    def reset(self) -> None:
        self.client.post("/_requests/reset").raise_for_status()

    def requests(self, scenario: str | None = None) -> list[dict]:
        recorded = self.client.get("/_requests").raise_for_status().json()
        return [r for r in recorded if scenario is None or r["scenario"] == scenario]

    def supergraph(self, scenario: str) -> str:
        return live_supergraph(scenario, self.url, self.down_url)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name): the corpus scenario a test runs against")


def _scenario_of(item: pytest.Item) -> str:
    case = getattr(item, "callspec", None) and item.callspec.params.get("case")
    if case is not None:
        return str(case.scenario)
    marker = item.get_closest_marker("scenario")
    return str(marker.args[0]) if marker else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run all tests of one scenario together (cases via their `case` parameter, other tests via
    `@pytest.mark.scenario`), so our gateway starts once per scenario: the pool keeps one alive."""
    here = Path(__file__).resolve().parent
    ours = [i for i in items if Path(str(i.path)).resolve().is_relative_to(here)]
    order = {id(item): n for n, item in enumerate(ours)}
    ours_sorted = sorted(ours, key=lambda i: (_scenario_of(i), order[id(i)]))
    slots = iter(ours_sorted)
    items[:] = [next(slots) if id(i) in order else i for i in items]


@pytest.fixture(scope="session")
def subgraph_server() -> Iterator[SubgraphServer]:
    port = free_port()
    argv = [str(REPO_ROOT / ".venv/bin/python"), str(SERVER_SCRIPT), "--port", str(port)]
    server = start_server("subgraph-server", argv, port, "/_health")
    host = SubgraphServer(server)
    try:
        yield host
    finally:
        host.client.close()
        server.stop()


@pytest.fixture(scope="session")
def gateway_pool() -> Iterator[GatewayPool]:
    pool = GatewayPool()
    try:
        yield pool
    finally:
        pool.close()


GatewayFor = Callable[[str], Server]


def _gateway_fixture(kind: str) -> Callable[..., GatewayFor]:
    def fixture(subgraph_server: SubgraphServer, gateway_pool: GatewayPool) -> GatewayFor:
        def gateway_for(scenario: str) -> Server:
            return gateway_pool.get(kind, scenario, subgraph_server.supergraph(scenario))

        return gateway_for

    return fixture


gateway_for = pytest.fixture(scope="session")(_gateway_fixture("ours"))


def _peer_fixture(kind: str, available: Callable[[], bool]) -> Callable[..., Iterator[GatewayFor]]:
    def fixture(subgraph_server: SubgraphServer) -> Iterator[GatewayFor]:
        if not available():
            pytest.skip(f"{kind} gateway needs node and tools/node/node_modules")
        peer = PeerGateway(kind, [(s, subgraph_server.supergraph(s)) for s in scenario_names()])
        try:
            yield peer.for_scenario
        finally:
            peer.stop()

    return fixture


apollo_gateway_for = pytest.fixture(scope="session")(_peer_fixture("apollo", node_available))
hive_gateway_for = pytest.fixture(scope="session")(_peer_fixture("hive", hive_available))


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0) as client:
        yield client
