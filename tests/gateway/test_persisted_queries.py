"""Automatic persisted queries over real HTTP, with the store in-process and in real Redis."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx

from tests.gateway.gateway_support import GatewayFactory


def _apq(query: str | None, digest: str) -> dict[str, object]:
    body: dict[str, object] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def _unique_query() -> tuple[str, str]:
    # A comment makes the text (and so the hash) new for every run: no state leaks between runs.
    query = f"# {uuid.uuid4()}\n{{ topProducts {{ upc name }} }}"
    return query, hashlib.sha256(query.encode()).hexdigest()


def test_apq_round_trip_in_process(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph)
    query, digest = _unique_query()
    with httpx.Client(base_url=gw.url, timeout=10) as c:
        miss = c.post("/graphql", json=_apq(None, digest))
        assert miss.status_code == 200
        assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        full = c.post("/graphql", json=_apq(query, digest))
        assert full.status_code == 200 and full.json()["data"]["topProducts"]
        hit = c.post("/graphql", json=_apq(None, digest))
        assert hit.json() == full.json()
        # GET with only the hash works too (CDN-friendly APQ)
        get = c.get("/graphql", params={"extensions": f'{{"persistedQuery":{{"version":1,"sha256Hash":"{digest}"}}}}'})
        assert get.json() == full.json()


def test_apq_rejects_a_hash_that_does_not_match(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph)
    query, _ = _unique_query()
    r = httpx.post(f"{gw.url}/graphql", json=_apq(query, "0" * 64), timeout=10)
    assert r.status_code == 400
    assert "does not match" in r.json()["errors"][0]["message"]


def test_apq_shared_through_redis_across_gateways(
    bench_supergraph: Path, start_gateway: GatewayFactory, redis_url: str
) -> None:
    a = start_gateway(bench_supergraph, "--redis", redis_url)
    b = start_gateway(bench_supergraph, "--redis", redis_url)
    query, digest = _unique_query()
    registered = httpx.post(f"{a.url}/graphql", json=_apq(query, digest), timeout=10)
    assert registered.json()["data"]["topProducts"]
    # b never saw the text: it finds it in Redis
    hit = httpx.post(f"{b.url}/graphql", json=_apq(None, digest), timeout=10)
    assert hit.json() == registered.json()


def test_apq_with_redis_down_still_serves(bench_supergraph: Path, start_gateway: GatewayFactory) -> None:
    gw = start_gateway(bench_supergraph, "--redis", "redis://127.0.0.1:1/0")
    query, digest = _unique_query()
    with httpx.Client(base_url=gw.url, timeout=10) as c:
        assert c.post("/graphql", json=_apq(query, digest)).json()["data"]["topProducts"]
        # the instance's own memory still remembers it
        assert c.post("/graphql", json=_apq(None, digest)).json()["data"]["topProducts"]
