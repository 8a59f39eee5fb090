"""--production and its parts: introspection off, no explorer, CSRF prevention, redacted subgraph
errors; an operator listener for /health and /metrics. Real `charter gateway` processes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.gateway.gateway_support import GatewayFactory, Proc, free_port, spawn

INTROSPECT = {"query": "{ __schema { queryType { name } } }"}
QUERY = {"query": "{ topProducts(first: 1) { upc } }"}


def test_production_mode(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph, "--production")
    r = httpx.post(f"{gw.url}/graphql", json=INTROSPECT, timeout=10)
    assert r.status_code in (200, 400) and "data" not in r.json()
    assert r.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    # fragments do not hide it
    hidden = {"query": "{ ...F } fragment F on Query { __type(name: \"Product\") { name } }"}
    assert httpx.post(f"{gw.url}/graphql", json=hidden, timeout=10).json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert httpx.post(f"{gw.url}/graphql", json=QUERY, timeout=10).json()["data"]["topProducts"]
    assert httpx.post(f"{gw.url}/graphql", json={"query": "{ __typename }"}, timeout=10).json() == {"data": {"__typename": "Query"}}
    page = httpx.get(f"{gw.url}/graphql", headers={"accept": "text/html"}, timeout=10)
    assert "text/html" not in page.headers.get("content-type", "")
    assert httpx.get(f"{gw.url}/graphiql/assets/graphiql.js", timeout=10).status_code == 404
    # CSRF: a simple GET (no preflight) is refused, one that proves a preflight is served
    blocked = httpx.get(f"{gw.url}/graphql", params=QUERY, timeout=10)
    assert blocked.status_code == 400 and blocked.json()["errors"][0]["extensions"]["code"] == "CSRF_BLOCKED"
    form = httpx.get(f"{gw.url}/graphql", params=QUERY, headers={"content-type": "text/plain"}, timeout=10)
    assert form.status_code == 400
    for headers in ({"apollo-require-preflight": "true"}, {"x-apollo-operation-name": "Q"}, {"content-type": "application/json"}):
        ok = httpx.get(f"{gw.url}/graphql", params=QUERY, headers=headers, timeout=10)
        assert ok.status_code == 200 and ok.json()["data"]["topProducts"], (headers, ok.text)


def test_introspection_toggle_and_defaults(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    default = start_gateway(bench_supergraph)
    assert httpx.post(f"{default.url}/graphql", json=INTROSPECT, timeout=10).json()["data"]["__schema"]
    assert httpx.get(f"{default.url}/graphql", params=QUERY, timeout=10).json()["data"]  # no CSRF check by default
    off = start_gateway(bench_supergraph, "--no-introspection")
    assert off.url != default.url
    assert httpx.post(f"{off.url}/graphql", json=INTROSPECT, timeout=10).json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    back = start_gateway(bench_supergraph, "--production", "--introspection")
    assert httpx.post(f"{back.url}/graphql", json=INTROSPECT, timeout=10).json()["data"]["__schema"]


def test_operator_port(bench_supergraph: Path) -> None:
    from tests.gateway.gateway_support import REPO

    port, operator = free_port(), free_port()
    proc: Proc = spawn(
        [str(REPO / ".venv/bin/charter"), "gateway", "--supergraph", str(bench_supergraph), "--port", str(port),
         "--operator-port", str(operator)],
        operator, "/health",
    )
    try:
        base, ops = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{operator}"
        assert httpx.get(f"{ops}/health", timeout=10).json()["status"] == "ok"
        assert httpx.post(f"{base}/graphql", json=QUERY, timeout=10).json()["data"]["topProducts"]
        assert "charter_gateway_requests_total" in httpx.get(f"{ops}/metrics", timeout=10).text
        assert httpx.get(f"{base}/health", timeout=10).status_code == 404
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 404
        assert httpx.post(f"{ops}/graphql", json=QUERY, timeout=10).status_code in (404, 405)
    finally:
        proc.stop()
