"""Regional failover: a subgraph region dies and the gateway keeps answering from the next region
in the failover order, with no failed request."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from tests.gateway.gateway_support import WORKLOAD, GatewayFactory, Proc, free_port, spawn

EXPECTED = json.loads((WORKLOAD / "expected.json").read_text())
PAYLOAD = (WORKLOAD / "payload.json").read_bytes()
NAMES = ("accounts", "inventory", "products", "reviews")


def _region() -> Proc:
    port = free_port()
    return spawn([sys.executable, "-m", "bench.federation.subgraphs", "--port", str(port)], port, "/accounts")


def test_a_dying_region_fails_over_to_the_next(
    bench_supergraph: Path, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    local, nearest = _region(), _region()
    try:
        routing = tmp_path / "routing.yaml"
        routing.write_text(
            "subgraphs:\n" + "".join(f"  {n}: [{local.url}/{n}, {nearest.url}/{n}]\n" for n in NAMES)
        )
        gw = start_gateway(bench_supergraph, "--routing", str(routing), "--failover-cooldown", "60")
        with httpx.Client(base_url=gw.url, timeout=30) as c:
            def ask() -> dict[str, object]:
                r = c.post("/graphql", content=PAYLOAD, headers={"content-type": "application/json"})
                assert r.status_code == 200
                return r.json()  # type: ignore[no-any-return]

            assert ask() == EXPECTED
            assert all(e["healthy"] for routes in c.get("/health").json()["routes"].values() for e in routes)
            local.stop()  # the local region dies
            for _ in range(5):
                assert ask() == EXPECTED  # no request fails: the next region answers
            routes = c.get("/health").json()["routes"]
            for name in NAMES:
                first, second = routes[name]
                assert (first["url"], first["healthy"], first["state"]) == (f"{nearest.url}/{name}", True, "closed")
                assert (second["url"], second["healthy"], second["state"]) == (f"{local.url}/{name}", False, "open")
    finally:
        local.stop()
        nearest.stop()


def test_every_region_down_is_a_clear_error(bench_supergraph: Path, start_gateway: GatewayFactory, tmp_path: Path) -> None:
    dead = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    routing = tmp_path / "routing.yaml"
    routing.write_text("subgraphs:\n" + "".join(f"  {n}: [{dead[0]}/{n}, {dead[1]}/{n}]\n" for n in NAMES))
    gw = start_gateway(bench_supergraph, "--routing", str(routing))
    r = httpx.post(f"{gw.url}/graphql", json={"query": "{ topProducts { name } }"}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["data"] == {"topProducts": None}
    assert body["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert body["errors"][0]["extensions"]["service"] == "products"
