"""Two-region stacks of the small test subgraph behind a real `charter gateway` with a routing file."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from gateway.composition import SubgraphInput, compose
from tests.gateway.gateway_support import GatewayFactory, Proc, free_port, spawn
from tests.gateway.resilience.region_subgraph import NAME, SDL_HASH, schema

# Fast settings, so the tests are short: a hung endpoint is left after 0.5 s, probes every 0.2 s.
FAST = (
    "--first-byte-timeout", "0.5", "--connect-timeout", "0.3", "--health-interval", "0.2",
    "--health-timeout", "0.5", "--failover-cooldown", "0.5",
)


def region_subgraph(region: str, port: int | None = None, pose_as: str = "") -> Proc:
    port = port or free_port()
    argv = [sys.executable, "-m", "tests.gateway.resilience.region_subgraph", "--port", str(port), "--region", region]
    if pose_as:
        argv += ["--pose-as", pose_as]
    return spawn(argv, port, "/graphql")


@dataclass
class TwoRegions:
    gateway: Proc
    regions: dict[str, Proc]
    routing: Path

    def ask(self, query: str = "{ where }", headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[dict[str, Any], float]:
        started = time.perf_counter()
        r = httpx.post(f"{self.gateway.url}/graphql", json={"query": query}, headers=headers, timeout=timeout)
        assert r.status_code == 200, r.text
        return r.json(), time.perf_counter() - started

    def where(self) -> str:
        body, _ = self.ask()
        assert "errors" not in body, body
        return str(body["data"]["where"])

    def health(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.gateway.url}/health", timeout=5).json()["routes"][NAME]  # type: ignore[no-any-return]

    def direct(self, region: str, query: str) -> dict[str, Any]:
        return httpx.post(f"{self.regions[region].url}/graphql", json={"query": query}, timeout=5).json()  # type: ignore[no-any-return]

    def wait_until(self, check: Any, within: float = 10.0) -> None:
        """A state change the gateway has no event for (a probe round): bounded polling."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        raise AssertionError(f"not reached within {within}s: {self.health()}")

    def signal(self, region: str, sig: signal.Signals) -> None:
        os.kill(self.regions[region].process.pid, sig)


def write_routing(path: Path, urls: dict[str, str], primary: str, identity: bool = True) -> Path:
    spec: dict[str, Any] = {"endpoints": [{"url": u, "region": r} for r, u in urls.items()]}
    if identity:
        spec["schema_hash"] = SDL_HASH
    path.write_text(yaml.safe_dump({"region": next(iter(urls)), "primary_region": primary, "subgraphs": {NAME: spec}}))
    return path


def supergraph(path: Path, url: str) -> Path:
    result = compose([SubgraphInput(NAME, url, schema.as_str())])
    assert result.ok and result.supergraph_sdl, result.errors
    path.write_text(result.supergraph_sdl)
    return path


def start_two_regions(
    start_gateway: GatewayFactory, tmp: Path, *extra: str, primary: str = "ams", identity: bool = True,
    regions: dict[str, Proc] | None = None,
) -> TwoRegions:
    procs = regions or {"ams": region_subgraph("ams"), "sin": region_subgraph("sin")}
    urls = {r: f"{p.url}/graphql" for r, p in procs.items()}
    routing = write_routing(tmp / "routing.yaml", urls, primary, identity)
    sg = supergraph(tmp / "supergraph.graphql", urls["ams"])
    gw = start_gateway(sg, "--routing", str(routing), *FAST, *extra)
    return TwoRegions(gw, procs, routing)
