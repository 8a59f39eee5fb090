"""The gateway's spans, exported by OTLP/HTTP to a receiver that decodes them with
opentelemetry-proto: a client's W3C trace context is continued, the request, validate, plan
(miss, then hit), each Fetch/Flatten and each subgraph call are spans with the semantic
conventions' attributes; the sampling ratio holds; with tracing off nothing is exported."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
import pytest_asyncio

from gateway.telemetry.asgi import TracedGraphQL
from gateway.telemetry.setup import settings_from_env
from infra.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.gateway.gateway_support import REPO, WORKLOAD, Proc, free_port, spawn

SERVER, CLIENT = 2, 3  # OTLP span kinds
PAYLOAD = orjson.loads((WORKLOAD / "payload.json").read_bytes())
SUBGRAPHS = {"accounts", "inventory", "products", "reviews"}


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[OtlpReceiver]:
    r = OtlpReceiver()
    await r.start()
    yield r
    await r.stop()


async def _gateway(supergraph: Path, env: dict[str, str], *extra: str) -> Proc:
    port = free_port()
    argv = [str(REPO / ".venv/bin/charter"), "gateway", "--supergraph", str(supergraph),
            "--host", "127.0.0.1", "--port", str(port), "--no-dedup", *extra]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    base = {"OTEL_BSP_SCHEDULE_DELAY": "50"}
    return await asyncio.to_thread(_spawn, argv, port, {**clean, **base, **env})


def _spawn(argv: list[str], port: int, env: dict[str, str]) -> Proc:
    saved = dict(os.environ)
    try:  # spawn() adds to os.environ: start from exactly `env`
        os.environ.clear()
        os.environ.update(env)
        return spawn(argv, port, "/health")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _traceparent(trace_id: str, span_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


async def _query(client: httpx.AsyncClient, gateway: Proc, **headers: str) -> None:
    r = await client.post(f"{gateway.url}/graphql", json=PAYLOAD, headers=headers)
    assert r.status_code == 200 and "errors" not in r.json(), r.text[:500]


def _server_span(spans: list[ReceivedSpan]) -> ReceivedSpan | None:
    return next((s for s in spans if s.kind == SERVER and s.name == "POST /graphql"), None)


def _children(spans: list[ReceivedSpan], parent: ReceivedSpan) -> list[ReceivedSpan]:
    return [s for s in spans if s.parent_id == parent.span_id]


async def test_spans_continue_the_clients_trace(bench_supergraph: Path, receiver: OtlpReceiver) -> None:
    gateway = await _gateway(bench_supergraph, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
    first, second = os.urandom(16).hex(), os.urandom(16).hex()
    client_span = os.urandom(8).hex()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            await _query(client, gateway, traceparent=_traceparent(first, client_span), tracestate="vendor=1")
            await _query(client, gateway, traceparent=_traceparent(second, client_span))
        await receiver.wait_for(
            lambda r: _server_span(r.trace(first)) is not None and _server_span(r.trace(second)) is not None, 30
        )
    finally:
        await asyncio.to_thread(gateway.stop)
    spans = receiver.trace(first)
    assert {s.service for s in spans} == {"charter-gateway"}
    server = _server_span(spans)
    assert server is not None
    assert server.parent_id == client_span  # the client's span is the parent
    assert server.attributes["http.request.method"] == "POST"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["url.path"] == "/graphql"
    assert server.attributes["server.port"] == gateway.port

    # one tree under the server span: every span's parent is in the trace
    ids = {s.span_id for s in spans}
    assert all(s.parent_id in ids for s in spans if s is not server)

    (operation,) = _children(spans, server)
    assert operation.name == "query TestQuery"
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["graphql.operation.name"] == "TestQuery"
    document_hash = operation.attributes["graphql.document.hash"]
    assert isinstance(document_hash, str) and len(document_hash) >= 16
    stages = {s.name: s for s in _children(spans, operation)}
    assert "graphql.validate" in stages and "graphql.plan" in stages
    assert stages["graphql.plan"].attributes["charter.plan.cache"] == "miss"

    fetches = [s for s in spans if s.name.startswith("fetch ")]
    flattens = [s for s in spans if s.name.startswith("flatten ")]
    assert sorted(f.attributes["charter.subgraph.name"] for f in fetches) == ["accounts", "products"]  # users, topProducts
    assert {f.attributes["charter.subgraph.name"] for f in flattens} == SUBGRAPHS
    assert all(f.attributes["charter.flatten.path"] for f in flattens)
    calls = [s for s in spans if s.kind == CLIENT]
    assert len(calls) == len(fetches) + len(flattens)  # one subgraph call per node (no dedup, no cache)
    by_id = {s.span_id: s for s in spans}
    for call in calls:
        node = by_id[call.parent_id]
        assert node in fetches or node in flattens
        assert call.name == "POST"
        assert call.attributes["charter.subgraph.name"] == node.attributes["charter.subgraph.name"]
        assert call.attributes["http.request.method"] == "POST"
        assert call.attributes["http.response.status_code"] == 200
        assert call.attributes["server.address"] == "127.0.0.1"
        assert str(call.attributes["url.full"]).startswith("http://127.0.0.1:")

    again = receiver.trace(second)
    (operation2,) = _children(again, _server_span(again))  # type: ignore[arg-type]
    assert operation2.attributes["graphql.document.hash"] == document_hash
    plan2 = next(s for s in _children(again, operation2) if s.name == "graphql.plan")
    assert plan2.attributes["charter.plan.cache"] == "hit"


async def test_the_sampling_ratio_and_the_clients_decision_hold(bench_supergraph: Path, receiver: OtlpReceiver) -> None:
    gateway = await _gateway(
        bench_supergraph, {}, "--otlp-endpoint", receiver.endpoint, "--trace-sample-ratio", "0"
    )
    sampled, unsampled = os.urandom(16).hex(), os.urandom(16).hex()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(5):
                await _query(client, gateway)  # ratio 0: none of these
            await _query(client, gateway, traceparent=_traceparent(unsampled, os.urandom(8).hex(), sampled=False))
            await _query(client, gateway, traceparent=_traceparent(sampled, os.urandom(8).hex()))
        await receiver.wait_for(lambda r: _server_span(r.trace(sampled)) is not None, 30)
    finally:
        await asyncio.to_thread(gateway.stop)  # and so flushes anything still queued
    # a sampled client's trace is always continued; nothing else was exported
    assert {s.trace_id for s in receiver.spans} == {sampled}


async def test_with_tracing_off_nothing_is_exported(bench_supergraph: Path, receiver: OtlpReceiver) -> None:
    # The endpoint is configured, but tracing is turned off: no span leaves the gateway.
    gateway = await _gateway(
        bench_supergraph, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SDK_DISABLED": "true"}
    )
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            await _query(client, gateway, traceparent=_traceparent(os.urandom(16).hex(), os.urandom(8).hex()))
    finally:
        await asyncio.to_thread(gateway.stop)  # a traced gateway would flush its spans here
    assert receiver.requests == 0


def test_tracing_is_on_only_with_an_endpoint() -> None:
    assert not settings_from_env({}).enabled
    assert not settings_from_env({"OTEL_TRACES_SAMPLER": "always_on", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}).enabled
    on = settings_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert on.enabled and on.protocol == "http/protobuf" and on.base_endpoint
    traces = settings_from_env({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces",
                                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"})
    assert traces.endpoint == "http://c:4318/v1/traces" and traces.protocol == "grpc" and not traces.base_endpoint
    assert not settings_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}).enabled
    with pytest.raises(ValueError, match="not supported"):
        settings_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})


def test_an_app_without_tracing_holds_no_tracer(bench_supergraph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path's only cost with tracing off: `tracer is None` checks."""
    from gateway.config import GatewayConfig
    from gateway.http.app import create_app

    for name in [k for k in os.environ if k.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    app = create_app(GatewayConfig(supergraph=str(bench_supergraph), watch=False))
    gateway = app.app.state.gateway
    assert gateway.tracer is None and gateway.transport.tracer is None
    assert not isinstance(app, TracedGraphQL)
