"""One trace across the stack: `charter up --tracing` (a real Jaeger, built from its Go module)
or, where no Jaeger is built, `charter up` exporting by OTLP/HTTP to a receiver that decodes the
payloads with opentelemetry-proto. Either way the test reads back what the backend got:

- a query sent with a client's `traceparent` is one trace: the gateway's spans (request,
  validate, plan, fetches, subgraph calls), under them each subgraph's server span, and under
  those the SQL statements;
- a mutation's event reaches a subscription: the gateway's span for that event links back to the
  mutation's trace, which holds the relay's publish span (the trace context went through the
  outbox row and the NATS headers); the event consumers' batch spans link back to it too;
- (Jaeger) OTLP over gRPC is accepted too.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from infra import jaeger
from infra.otlp_receiver import OtlpReceiver
from infra.ports import free_port
from infra.processes import ManagedProcess

BACKEND = "jaeger" if jaeger.binary_path().exists() else "otlp-receiver"
QUERY = 'query Traced { project(id: "prj-ams-001") { name metrics { sum } nation { officialName } } }'
RECORD = """mutation($p: ID!, $points: [MetricPointInput!]!) {
  recordMetrics(input: {projectId: $p, points: $points}) { recorded } }"""
SUBSCRIBE = 'subscription { metricRecorded(projectId: "prj-ams-001") { value project { name } } }'
SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtcmVhbC1zaWduYXR1cmU"
SUBGRAPH_SERVICES = {"charter-projects", "charter-metrics", "charter-nations"}


@dataclass
class Span:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: str  # server, client, internal, producer, consumer
    attributes: dict[str, Any]
    links: list[str]  # linked trace ids


KINDS = {0: "internal", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


class Backend:
    """What the trace backend holds, read back through its own API."""

    def __init__(self, jaeger_ui: str | None, receiver: OtlpReceiver | None) -> None:
        self.jaeger_ui = jaeger_ui
        self.receiver = receiver

    async def trace(self, trace_id: str) -> list[Span]:
        if self.receiver is not None:
            return [
                Span(s.service, s.name, s.trace_id, s.span_id, s.parent_id, KINDS.get(s.kind, "internal"),
                     s.attributes, [t for t, _ in s.links])
                for s in self.receiver.trace(trace_id)
            ]
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.get(f"{self.jaeger_ui}/api/traces/{trace_id}")
        if r.status_code == 404:
            return []
        r.raise_for_status()
        return [s for t in r.json()["data"] or [] for s in _from_jaeger(t)]

    async def search(self, service: str) -> list[Span]:
        if self.receiver is not None:
            return [s for t in {x.trace_id for x in self.receiver.spans} for s in await self.trace(t)
                    if s.service == service]
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.get(f"{self.jaeger_ui}/api/traces", params={"service": service, "limit": 200, "lookback": "1h"})
        r.raise_for_status()
        return [s for t in r.json()["data"] or [] for s in _from_jaeger(t) if s.service == service]


def _from_jaeger(trace: dict[str, Any]) -> list[Span]:
    processes = {k: v["serviceName"] for k, v in trace["processes"].items()}
    spans = []
    for s in trace["spans"]:
        tags = {t["key"]: t["value"] for t in s.get("tags", [])}
        refs = s.get("references", [])
        parent = next((r["spanID"] for r in refs if r["refType"] == "CHILD_OF" and r["traceID"] == s["traceID"]), "")
        links = [r["traceID"] for r in refs if r["refType"] == "FOLLOWS_FROM" or r["traceID"] != s["traceID"]]
        spans.append(Span(processes[s["processID"]], s["operationName"], s["traceID"], s["spanID"], parent,
                          str(tags.pop("span.kind", "internal")), tags, links))
    return spans


async def _eventually(check: Callable[[], Awaitable[None]], within: float) -> None:
    """Until `check` stops failing (spans arrive in several exports, from several processes, and
    the backend's API has no push: this polls it); its last failure if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.25)


def _ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


async def test_one_trace_from_the_gateway_down_to_each_sql_statement() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="charter-up-tracing-"))
    port, base = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("OTEL_")}
    env["OTEL_BSP_SCHEDULE_DELAY"] = "200"
    argv = [sys.executable, "-m", "charter", "up", "--regions", "ams", "--port", str(port),
            "--subgraph-base-port", str(base), "--data-dir", str(data_dir), "--no-cache", "--no-latency"]
    receiver = None
    if BACKEND == "jaeger":
        argv.append("--tracing")
    else:
        receiver = OtlpReceiver()
        await receiver.start()
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
    up = ManagedProcess("charter-up", argv, env=env, log_path=data_dir / "up.log", stop_signal=signal.SIGINT)
    try:
        await up.start(r"GraphiQL: http://127\.0\.0\.1:\d+/graphql", within=240)
        log = up.log_path.read_text()
        ui = None
        if BACKEND == "jaeger":
            found = re.search(r"Jaeger UI: (http://\S+)", log)
            assert found, log
            ui = found.group(1)
        backend = Backend(ui, receiver)
        gateway = f"http://127.0.0.1:{port}/graphql"
        metrics_url = re.search(r"metrics@ams at (\S+)", log).group(1)  # type: ignore[union-attr]

        trace_id, client_span = os.urandom(16).hex(), os.urandom(8).hex()
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(gateway, json={"query": QUERY},
                                  headers={"traceparent": f"00-{trace_id}-{client_span}-01"})
            body = r.json()
            assert r.status_code == 200 and "errors" not in body, body
            start = await client.post(gateway, json={"query": '{ project(id: "prj-ams-001") { startDate } }'})
            at = f"{start.json()['data']['project']['startDate']}T00:00:00Z"
            # A credential the gateway refuses (and so has reason to mention): never in a log line.
            refused = await client.post(gateway, json={"query": QUERY}, headers={"authorization": f"Bearer {SECRET}"})
            assert refused.status_code == 401

        async def complete() -> None:
            _query_trace(await backend.trace(trace_id), client_span)
        await _eventually(complete, 60)

        await _event_links_back(gateway, metrics_url, at, backend)

        if BACKEND == "jaeger":
            grpc = re.search(r"OTLP in: \S+ HTTP, (http://\S+) gRPC", log)
            assert grpc, log
            await _grpc_export_reaches(grpc.group(1), backend)
        await up.stop(within=60)
        assert "charter up: stopped" in up.log_path.read_text()
        logs = [p for p in (data_dir / "logs").glob("*.log")]
        assert any(p.name.startswith("gateway") for p in logs)
        for path in logs:
            assert SECRET not in path.read_text(errors="replace"), path
        gateway_lines = [orjson.loads(line) for line in (data_dir / "logs" / "gateway.log").read_text().splitlines()
                         if line.startswith("{")]
        assert gateway_lines and all("level" in line and "msg" in line for line in gateway_lines)
    finally:
        await up.stop(within=60)
        if receiver is not None:
            await receiver.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _query_trace(spans: list[Span], client_span: str) -> None:
    by_id = {s.span_id: s for s in spans}
    server = next((s for s in spans if s.service == "charter-gateway" and s.kind == "server"), None)
    assert server is not None, "no gateway server span yet"
    assert server.parent_id == client_span
    names = {s.name for s in spans if s.service == "charter-gateway"}
    assert {"query Traced", "graphql.validate", "graphql.plan", "fetch projects", "POST"} <= names, names
    assert any(n.startswith("flatten ") for n in names), names
    for service in SUBGRAPH_SERVICES:
        mine = [s for s in spans if s.service == service]
        entry = [s for s in mine if s.kind == "server" and s.parent_id in by_id
                 and by_id[s.parent_id].service == "charter-gateway" and by_id[s.parent_id].kind == "client"]
        assert entry, f"{service}: no server span under a gateway subgraph call"
        assert any(s.name.startswith("GraphQL Query") for s in mine), f"{service}: no Strawberry operation span"
        sql = [s for s in mine if "db.query.text" in s.attributes or "db.statement" in s.attributes]
        assert sql, f"{service}: no SQL spans: {[s.name for s in mine]}"
        for statement in sql:
            chain = _ancestors(statement, by_id)
            assert any(a in entry for a in chain), f"{service}: SQL span not under its server span"
            assert chain and chain[-1] is server  # and so under the gateway's request span
            system = statement.attributes.get("db.system.name", statement.attributes.get("db.system"))
            assert str(system) == "postgresql", statement.attributes


async def _event_links_back(gateway: str, metrics_url: str, at: str, backend: Backend) -> None:
    from websockets.asyncio.client import connect

    causes: dict[float, str] = {}
    got = None
    async with connect(gateway.replace("http", "ws"), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send('{"type":"connection_init"}')
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}).decode())
        async with httpx.AsyncClient(timeout=30) as client:
            # The gateway's NATS subscription starts after `subscribe`: write until one arrives.
            for attempt in range(1, 40):
                cause = os.urandom(16).hex()
                value = float(1000 + attempt)
                causes[value] = cause
                r = await client.post(
                    metrics_url,
                    json={"query": RECORD, "variables": {"p": "prj-ams-001", "points": [
                        {"kind": "BENEFICIARIES", "value": value, "at": at}]}},
                    headers={"traceparent": f"00-{cause}-{os.urandom(8).hex()}-01"},
                )
                assert r.json()["data"]["recordMetrics"]["recorded"] == 1, r.text
                try:
                    msg = orjson.loads(await asyncio.wait_for(ws.recv(), 1.0))
                except TimeoutError:
                    continue
                got = msg["payload"]["data"]["metricRecorded"]
                break
    assert got is not None and got["project"]["name"], "no event reached the subscription"
    cause = causes[got["value"]]

    async def linked() -> None:
        events = [s for s in await backend.search("charter-gateway") if s.kind == "consumer" and cause in s.links]
        assert events, "no gateway span linking to the mutation yet"
        event = events[0]
        assert event.name.startswith("process covenant.metric."), event.name
        assert event.trace_id != cause  # a trace of its own, linked to its cause
        under = [s for s in await backend.trace(event.trace_id) if s.parent_id == event.span_id]
        assert any(s.name.startswith(("flatten ", "fetch ")) for s in under), [s.name for s in under]
    await _eventually(linked, 30)

    async def published() -> None:
        mutation = await backend.trace(cause)
        assert any(s.service == "charter-metrics" and s.kind == "server" for s in mutation)
        assert any(s.service == "charter-events" and s.kind == "producer" for s in mutation), "no relay span yet"
    await _eventually(published, 30)

    async def consumed() -> None:
        # The consumers' batches: CONSUMER spans of their own, linked to the mutation's trace. The
        # mutation wrote a metric event (COVENANT) and its audit record (AUDIT), so both streams'.
        batches = [s for s in await backend.search("charter-events") if s.kind == "consumer" and cause in s.links]
        covenant = [s for s in batches if s.name == "process COVENANT"]
        assert covenant, f"no COVENANT consumer span linking to the mutation yet: {[s.name for s in batches]}"
        groups = {str(s.attributes.get("messaging.consumer.group.name")) for s in covenant}
        assert groups <= {"analytics-covenant", "cache-covenant"}, groups
    await _eventually(consumed, 30)


async def _grpc_export_reaches(endpoint: str, backend: Backend) -> None:
    """The gateway's gRPC exporter, as `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` configures it."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from gateway.telemetry.setup import _exporter, settings_from_env

    settings = settings_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    provider = TracerProvider(resource=Resource.create({"service.name": "charter-grpc-check"}))
    provider.add_span_processor(SimpleSpanProcessor(_exporter(settings)))
    with provider.get_tracer("test").start_as_current_span("grpc export") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
    provider.shutdown()

    async def arrived() -> None:
        assert any(s.name == "grpc export" for s in await backend.trace(trace_id)), "not in Jaeger yet"
    await _eventually(arrived, 30)


pytestmark = pytest.mark.timeout(420)
