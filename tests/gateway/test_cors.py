"""CORS: off unless asked for; when on, preflights and answers carry the allowed origin."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.gateway.gateway_support import GatewayFactory

QUERY = {"query": "{ topProducts { upc } }"}


def test_no_cors_headers_by_default(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph)
    r = httpx.post(f"{gw.url}/graphql", json=QUERY, headers={"origin": "http://app.example"}, timeout=10)
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


def test_allowed_origin_gets_preflight_and_headers(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph, "--cors-origin", "http://dashboard.example")
    pre = httpx.options(
        f"{gw.url}/graphql",
        headers={
            "origin": "http://dashboard.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
        timeout=10,
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "http://dashboard.example"
    assert "POST" in pre.headers["access-control-allow-methods"]
    r = httpx.post(f"{gw.url}/graphql", json=QUERY, headers={"origin": "http://dashboard.example"}, timeout=10)
    assert r.json()["data"]["topProducts"]
    assert r.headers["access-control-allow-origin"] == "http://dashboard.example"
    other = httpx.post(f"{gw.url}/graphql", json=QUERY, headers={"origin": "http://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in other.headers
