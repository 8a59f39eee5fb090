"""The gateway's /metrics series, each driven by real requests over real HTTP: request outcomes
(success, partial, error, refused), latency per operation name with its cap, per-subgraph fetch
outcomes and latency (ok, errors, timeout, failed), circuit state, cache and APQ lookups, and
event-loop lag. Subscription series are asserted in tests/subscriptions/test_ws_protocol.py."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.parser import text_string_to_metric_families

from gateway.composition import SubgraphInput, compose
from gateway.config import GatewayConfig
from gateway.http.app import create_app
from gateway.http.operation_labels import OperationLabels
from infra.inprocess import ServedApp, serve_in_loop
from tests.gateway import metrics_probe

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
HEADERS = {"accept": "application/graphql-response+json"}


@dataclass
class World:
    gateway: ServedApp
    base: str


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A port bound but never listening: connections to it are refused, and no one else takes it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield int(sock.getsockname()[1])
    sock.close()


@pytest_asyncio.fixture(scope="module")
async def world(closed_port: int, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    probe = serve_in_loop(metrics_probe.app())
    down_url = f"http://127.0.0.1:{closed_port}/graphql"
    result = compose([
        SubgraphInput("probe", probe.url, metrics_probe.schema.as_str()),
        SubgraphInput("down", down_url, metrics_probe.DOWN_SDL),
    ])
    assert result.supergraph_sdl, result.errors
    routing = Path(tmp_path_factory.mktemp("routing")) / "routing.yaml"
    routing.write_text(f"subgraphs:\n  down:\n    endpoints:\n      - {{url: {down_url}, region: ams}}\n")
    config = GatewayConfig(
        watch=False, subgraph_timeout=0.5, routing=str(routing), health_interval=0, failover_cooldown=60,
        introspection=False,
    )
    gateway = serve_in_loop(create_app(config, result.supergraph_sdl))
    try:
        yield World(gateway, gateway.url.removesuffix("/graphql"))
    finally:
        await gateway.stop()
        await probe.stop()


@pytest_asyncio.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.base, timeout=10) as c:
        yield c


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class Delta:
    def __init__(self, before: Samples, after: Samples) -> None:
        self.before, self.after = before, after

    def __call__(self, name: str, **labels: str) -> float:
        return value(self.after, name, **labels) - value(self.before, name, **labels)


async def post(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await client.post("/graphql", json=body, headers={**HEADERS, **headers})


async def test_request_outcomes(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    ok = await post(client, {"query": "query Fine { ok }"})
    assert ok.json() == {"data": {"ok": 1}}
    partial = (await post(client, {"query": "query Half { ok boom }"})).json()
    assert partial["data"] == {"ok": 1, "boom": None} and partial["errors"]
    failed = (await post(client, {"query": "query Gone { down }"})).json()
    assert failed["data"] is None and failed["errors"]
    invalid = await post(client, {"query": "{ nope }"})
    assert invalid.status_code == 400
    refused = [
        await post(client, {"query": "{ __schema { queryType { name } } }"}),  # introspection is off
        await client.post("/graphql", content=b"{}", headers={**HEADERS, "content-type": "text/plain"}),
    ]
    assert [r.status_code for r in refused] == [400, 415]
    d = Delta(before, await scrape(client))
    assert d("charter_gateway_requests_total", outcome="success") == 1
    assert d("charter_gateway_requests_total", outcome="partial") == 1
    assert d("charter_gateway_requests_total", outcome="error") == 1  # no data: the gateway failed
    assert d("charter_gateway_requests_total", outcome="refused") == 3  # invalid, not allowed, not negotiable


async def test_latency_per_operation_name(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for _ in range(3):
        await post(client, {"query": "query Named { ok }"})
    await post(client, {"query": "{ ok }"})
    await post(client, {"query": "query A { ok } query B { ok }", "operationName": "B"})
    d = Delta(before, await scrape(client))
    assert d("charter_gateway_request_seconds_count", operation="Named") == 3
    assert d("charter_gateway_request_seconds_sum", operation="Named") > 0
    assert d("charter_gateway_request_seconds_count", operation="anonymous") == 1
    assert d("charter_gateway_request_seconds_count", operation="B") == 1
    assert d("charter_gateway_request_seconds_count", operation="A") == 0


def test_operation_names_beyond_the_cap_share_other() -> None:
    registry = CollectorRegistry()
    labels = OperationLabels(Histogram("t_seconds", "t", ["operation"], registry=registry), cap=3)
    for i in range(10):
        labels.child(f"Op{i}").observe(0.01)
    labels.child("Op0").observe(0.01)
    counts = {
        s.labels["operation"]: s.value for s in registry.collect().__next__().samples if s.name == "t_seconds_count"
    }
    assert counts == {"Op0": 2, "Op1": 1, "Op2": 1, "other": 7, "none": 0, "anonymous": 0}


async def test_subgraph_fetch_outcomes_and_latency(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await post(client, {"query": "{ ok }"})
    await post(client, {"query": "{ boom }"})
    started = time.perf_counter()
    slow = (await post(client, {"query": "{ slow }"})).json()
    assert time.perf_counter() - started < metrics_probe.SLOW_SECONDS  # the gateway's timeout, not the probe
    assert slow["errors"][0]["extensions"]["code"] == "GATEWAY_TIMEOUT"
    await post(client, {"query": "{ down }"})
    d = Delta(before, await scrape(client))
    assert d("charter_gateway_subgraph_fetches_total", subgraph="probe", outcome="ok") == 1
    assert d("charter_gateway_subgraph_fetches_total", subgraph="probe", outcome="errors") == 1
    assert d("charter_gateway_subgraph_fetches_total", subgraph="probe", outcome="timeout") == 1
    assert d("charter_gateway_subgraph_fetches_total", subgraph="down", outcome="failed") == 1
    assert d("charter_gateway_subgraph_fetch_seconds_count", subgraph="probe") == 3
    # the timed-out fetch alone took the subgraph timeout (0.5 s)
    assert d("charter_gateway_subgraph_fetch_seconds_sum", subgraph="probe") >= 0.5
    assert d("charter_gateway_subgraph_fetch_seconds_bucket", subgraph="probe", le="0.25") == 2


async def test_circuit_state(client: httpx.AsyncClient) -> None:
    await post(client, {"query": "{ down }"})  # refused: the endpoint's circuit opens (threshold 1)
    after = await scrape(client)
    labels = {"subgraph": "down", "endpoint": "ams"}
    assert value(after, "charter_gateway_subgraph_breaker_state", **labels, state="open") == 1
    assert value(after, "charter_gateway_subgraph_breaker_state", **labels, state="closed") == 0
    assert value(after, "charter_gateway_subgraph_breaker_state", **labels, state="half-open") == 0
    assert value(after, "charter_gateway_subgraph_breaker_transitions_total", **labels, state="open") >= 1


async def test_persisted_query_hits_and_misses(client: httpx.AsyncClient) -> None:
    query = "query Persisted { ok }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    before = await scrape(client)
    miss = (await post(client, {"extensions": ext})).json()
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await post(client, {"query": query, "extensions": ext})).json() == {"data": {"ok": 1}}
    assert (await post(client, {"extensions": ext})).json() == {"data": {"ok": 1}}
    d = Delta(before, await scrape(client))
    assert d("charter_cache_requests_total", cache="apq", result="miss") == 1  # the unknown hash
    assert d("charter_cache_requests_total", cache="apq", result="hit") == 1


async def test_plan_cache_hits_and_misses(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await post(client, {"query": "query PlannedOnce { ok }"})
    await post(client, {"query": "query PlannedOnce { ok }"})
    d = Delta(before, await scrape(client))
    assert d("charter_gateway_plan_cache_misses") == 1
    assert d("charter_gateway_plan_cache_hits") == 1


async def test_event_loop_lag_is_measured(client: httpx.AsyncClient, world: World) -> None:
    monitor = world.gateway.app.app.state.loop_lag
    before = await scrape(client)
    await asyncio.wait_for(monitor.next_round(), 5)  # a round starts: its timer is set now
    waiting = asyncio.ensure_future(monitor.next_round())
    await asyncio.sleep(0)
    # Block the loop the gateway runs on (this test's) past that timer's 0.5 s: it fires ~0.3 s late.
    time.sleep(0.8)  # noqa: ASYNC251
    lag = await asyncio.wait_for(waiting, 5)
    assert lag >= 0.2
    d = Delta(before, await scrape(client))
    assert d("charter_gateway_event_loop_lag_seconds_count") >= 2
    assert d("charter_gateway_event_loop_lag_seconds_sum") >= 0.2
    assert d("charter_gateway_event_loop_lag_seconds_bucket", le="0.1") < d("charter_gateway_event_loop_lag_seconds_count")
