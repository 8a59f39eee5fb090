"""The gateway fails over to the nearest region by the latency it measures (through real
latency-injecting proxies), not by the order of the routing file."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.latency import LatencyProxy
from tests.gateway.gateway_support import GatewayFactory
from tests.gateway.resilience.region_subgraph import NAME
from tests.gateway.resilience.support import FAST, TwoRegions, region_subgraph, supergraph


class _ProxyThread:
    """Proxies on their own loop, so they serve while the test blocks on processes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxies: list[LatencyProxy] = []

    def add(self, port: int, rtt_ms: float) -> int:
        proxy = LatencyProxy("127.0.0.1", port, rtt_ms)
        self.proxies.append(proxy)
        fut: Future[int] = asyncio.run_coroutine_threadsafe(proxy.start(), self.loop)
        return fut.result(5)

    def stop(self) -> None:
        for p in self.proxies:
            asyncio.run_coroutine_threadsafe(p.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def proxies() -> Iterator[_ProxyThread]:
    p = _ProxyThread()
    yield p
    p.stop()


def test_failover_goes_to_the_nearest_region_by_measured_latency(
    start_gateway: GatewayFactory, tmp_path: Path, proxies: _ProxyThread
) -> None:
    procs = {r: region_subgraph(r) for r in ("ams", "far", "near")}
    try:
        urls = {
            "ams": f"{procs['ams'].url}/graphql",
            "far": f"http://127.0.0.1:{proxies.add(procs['far'].port, 150)}/graphql",  # listed first
            "near": f"http://127.0.0.1:{proxies.add(procs['near'].port, 20)}/graphql",
        }
        routing = tmp_path / "routing.yaml"
        routing.write_text(yaml.safe_dump({"subgraphs": {NAME: {"endpoints": [
            {"url": u, "region": r} for r, u in urls.items()]}}}))
        sg = supergraph(tmp_path / "sg.graphql", urls["ams"])
        gw = start_gateway(sg, "--routing", str(routing), *FAST, "--health-timeout", "1")
        stack = TwoRegions(gw, procs, routing)

        def order() -> list[Any]:
            return [e["region"] for e in stack.health()]

        stack.wait_until(lambda: all("rtt_ms" in e for e in stack.health()) and order() == ["ams", "near", "far"])
        procs["ams"].stop()
        body, _ = stack.ask()
        assert body == {"data": {"where": "near"}}
    finally:
        for p in procs.values():
            p.stop()
