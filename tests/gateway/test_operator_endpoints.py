"""What operators rely on: /health, /metrics as Prometheus text whose counters move, JSON-lines
logs, supergraph hot reload, and a gateway that keeps serving whatever clients send it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway._fixtures_clients import (
    Service,
    benchmark_expected,
    benchmark_query,
    benchmark_subgraphs,
    gateway_process,
    start_gateway,
    workload_supergraph,
)

__all__ = ["benchmark_subgraphs", "gateway_process"]  # fixtures used by name

JSON_HEADERS = {"content-type": "application/json", "accept": "application/graphql-response+json"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
RELOAD_TIMEOUT_S = 15.0


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0) as client:
        yield client


def parse_metrics(text: str) -> tuple[Samples, dict[str, str]]:
    """Every sample by (name, labels), and each family's type; fails on invalid Prometheus text."""
    samples: Samples = {}
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types


def scrape(http: httpx.Client, gateway: Service) -> tuple[Samples, dict[str, str]]:
    response = http.get(f"{gateway.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse_metrics(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def post(http: httpx.Client, gateway: Service, body: Any) -> httpx.Response:
    return http.post(f"{gateway.url}/graphql", headers=JSON_HEADERS, content=orjson.dumps(body))


def raw_http(gateway: Service, payload: bytes) -> bytes:
    """Send bytes no HTTP client library would send; return what came back before close."""
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def assert_serves_benchmark(http: httpx.Client, gateway: Service) -> None:
    response = post(http, gateway, {"query": benchmark_query()})
    assert response.status_code == 200, response.text
    assert response.json() == benchmark_expected()


def test_health_names_schema_and_subgraphs(
    http: httpx.Client, gateway_process: Service, benchmark_subgraphs: Service
) -> None:
    response = http.get(f"{gateway_process.url}/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    health = response.json()
    assert health["status"] == "ok"
    assert isinstance(health["schema"], str) and health["schema"]
    assert health["subgraphs"] == {
        name: f"{benchmark_subgraphs.url}/{name}" for name in ("accounts", "inventory", "products", "reviews")
    }
    assert http.get(f"{gateway_process.url}/health").json()["schema"] == health["schema"]


def test_metrics_count_outcomes_and_plans(http: httpx.Client, gateway_process: Service) -> None:
    before, _ = scrape(http, gateway_process)
    # ok: the benchmark query twice (the second plan comes from the cache) and a GET.
    assert_serves_benchmark(http, gateway_process)
    assert_serves_benchmark(http, gateway_process)
    get = http.get(
        f"{gateway_process.url}/graphql",
        params={"query": "{ topProducts(first: 1) { upc } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    assert get.json() == {"data": {"topProducts": [{"upc": "1"}]}}
    # request errors: invalid GraphQL, and a body that is not JSON at all.
    assert post(http, gateway_process, {"query": "{ nope }"}).status_code == 400
    bad_json = http.post(f"{gateway_process.url}/graphql", headers=JSON_HEADERS, content=b"{'query'")
    assert bad_json.status_code == 400
    after, types = scrape(http, gateway_process)

    assert types["charter_gateway_requests"] == "counter"
    assert types["charter_gateway_request_seconds"] == "histogram"
    assert types["charter_gateway_schema_reloads"] == "counter"
    for gauge in ("entries", "hits", "misses"):
        assert types[f"charter_gateway_plan_cache_{gauge}"] == "gauge"

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("charter_gateway_requests_total", outcome="success") == 3
    assert delta("charter_gateway_requests_total", outcome="refused") == 2  # invalid: the client's to fix
    assert delta("charter_gateway_requests_total", outcome="error") == 0
    # latency by operation: the benchmark's TestQuery twice, the anonymous GET; the invalid ones selected none
    assert delta("charter_gateway_request_seconds_count", operation="TestQuery") == 2
    assert delta("charter_gateway_request_seconds_count", operation="anonymous") == 1
    assert delta("charter_gateway_request_seconds_count", operation="none") == 2
    assert delta("charter_gateway_request_seconds_sum", operation="TestQuery") > 0
    buckets = sorted(
        (float(dict(labels)["le"]), v) for (name, labels), v in after.items()
        if name == "charter_gateway_request_seconds_bucket" and dict(labels)["operation"] == "TestQuery"
    )
    assert [v for _, v in buckets] == sorted(v for _, v in buckets), "buckets must be cumulative"
    assert buckets[-1] == (float("inf"), value(after, "charter_gateway_request_seconds_count", operation="TestQuery"))
    assert 0.1 in {edge for edge, _ in buckets}, "the 100 ms objective needs a bucket edge"
    assert delta("charter_gateway_plan_cache_hits") >= 1  # the repeated benchmark query
    assert delta("charter_gateway_plan_cache_misses") >= 1  # the GET query, new to this gateway
    assert value(after, "charter_gateway_plan_cache_entries") >= 2


MALFORMED_POSTS: list[tuple[str, bytes, dict[str, str], int]] = [
    ("not JSON", b"{'query': '{ users { id } }'}", JSON_HEADERS, 400),
    ("empty body", b"", JSON_HEADERS, 400),
    ("JSON null", b"null", JSON_HEADERS, 400),
    ("a batch", b'[{"query": "{ users { id } }"}]', JSON_HEADERS, 400),
    ("query not a string", b'{"query": 5}', JSON_HEADERS, 400),
    ("variables not an object", b'{"query": "{ users { id } }", "variables": [1]}', JSON_HEADERS, 400),
    ("invalid UTF-8", b'{"query": "\xff\xfe"}', JSON_HEADERS, 400),
    ("syntax error", b'{"query": "{ users { id "}', JSON_HEADERS, 400),
    ("NUL in the document", b'{"query": "{ users \\u0000 }"}', JSON_HEADERS, 400),
    ("unknown operation", b'{"query": "query A { users { id } }", "operationName": "B"}', JSON_HEADERS, 400),
    ("missing variable", b'{"query": "query ($id: ID!) { user(id: $id) { id } }"}', JSON_HEADERS, 400),
    ("too many aliases", orjson.dumps({"query": "{" + " ".join(f"a{i}: __typename" for i in range(300)) + "}"}), JSON_HEADERS, 400),
    ("too deep", orjson.dumps({"query": "{ users " + "{ reviews { author " * 20 + "{ id }" + " } }" * 20 + " }"}), JSON_HEADERS, 400),
    ("too many tokens", orjson.dumps({"query": "{ " + "__typename " * 20_000 + "}"}), JSON_HEADERS, 400),
    ("body over the limit", b'{"query": "' + b" " * (3 * 1024 * 1024) + b'{ __typename }"}', JSON_HEADERS, 413),
    ("form content type", b"query=%7B__typename%7D", {**JSON_HEADERS, "content-type": "application/x-www-form-urlencoded"}, 415),
    ("unacceptable accept", b'{"query": "{ __typename }"}', {**JSON_HEADERS, "accept": "application/xml"}, 406),
]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [pytest.param(b, h, s, id=name) for name, b, h, s in MALFORMED_POSTS],
)
def test_malformed_post_gets_a_graphql_error(
    http: httpx.Client, gateway_process: Service, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = http.post(f"{gateway_process.url}/graphql", headers=headers, content=body)
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors and all(isinstance(e["message"], str) and e["message"] for e in errors)
    assert all(e["extensions"]["code"] for e in errors)
    assert "Traceback" not in response.text
    assert "data" not in response.json()  # request errors never execute


def test_wrong_method_gets_a_graphql_error(http: httpx.Client, gateway_process: Service) -> None:
    response = http.put(f"{gateway_process.url}/graphql", headers=JSON_HEADERS, json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert "POST" in response.headers.get("allow", "")
    assert response.json()["errors"][0]["message"]


def test_keeps_serving_after_broken_http(http: httpx.Client, gateway_process: Service) -> None:
    garbage = raw_http(gateway_process, b"GARBAGE \x00\x01 nonsense\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400")
    conflicting = raw_http(
        gateway_process,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    )
    assert conflicting.startswith(b"HTTP/1.1 400")
    # A client that promises a body and hangs up half way: nothing to answer, nothing to break.
    truncated = raw_http(
        gateway_process,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{\"query\": \"{ use",
    )
    assert b"HTTP/1.1 200" not in truncated
    # A slow client sitting on half a request must not hold up anybody else.
    with socket.create_connection(("127.0.0.1", gateway_process.port), timeout=10) as slow:
        slow.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"qu")
        assert gateway_process.process.poll() is None
        assert http.get(f"{gateway_process.url}/health").status_code == 200
        assert_serves_benchmark(http, gateway_process)


def parse_log_line(line: str) -> dict[str, Any]:
    entry = orjson.loads(line)
    assert isinstance(entry, dict), line
    assert {"ts", "level", "logger", "msg"} <= entry.keys(), line
    datetime.fromisoformat(entry["ts"])
    assert entry["level"] in {"debug", "info", "warning", "error", "critical"}, line
    return entry


def test_logs_are_json_lines(http: httpx.Client, gateway_process: Service) -> None:
    # Give the gateway something to complain about, then read everything it wrote to stderr.
    raw_http(gateway_process, b"GARBAGE \x00\x01 nonsense\r\n\r\n")
    assert_serves_benchmark(http, gateway_process)
    lines = [line for line in gateway_process.stderr_lines() if line.strip()]
    assert lines, "the gateway logged nothing, not even its start"
    entries = []
    for line in lines:
        try:
            entries.append(parse_log_line(line))
        except (orjson.JSONDecodeError, AssertionError, ValueError) as e:
            pytest.fail(f"stderr line is not a JSON log entry ({e}): {line!r}")
    schema = http.get(f"{gateway_process.url}/health").json()["schema"]
    assert any(e["logger"].startswith("charter") and schema in e["msg"] for e in entries)


@pytest.fixture
def reloading_gateway(benchmark_subgraphs: Service, tmp_path: Path) -> Iterator[Service]:
    service = start_gateway(workload_supergraph(benchmark_subgraphs), tmp_path / "reloading")
    try:
        yield service
    finally:
        service.stop()


def wait_until(check: Any, what: str) -> Any:
    """Poll `check()` until truthy: a file watcher's effect is only visible from outside."""
    deadline = time.monotonic() + RELOAD_TIMEOUT_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_reload_swaps_good_schemas_and_rejects_bad_ones(
    http: httpx.Client, reloading_gateway: Service
) -> None:
    gateway = reloading_gateway
    supergraph = gateway.stderr_path.parent / "supergraph.graphql"
    original = supergraph.read_text()
    first_schema = http.get(f"{gateway.url}/health").json()["schema"]

    def logged(fragment: str) -> dict[str, Any] | None:
        for line in gateway.stderr_lines():
            if fragment in line:
                return parse_log_line(line)
        return None

    supergraph.write_text("this is not a supergraph {")
    rejected = wait_until(lambda: logged("supergraph rejected"), "the rejection to be logged")
    assert rejected["level"] == "error" and first_schema in rejected["msg"]
    assert http.get(f"{gateway.url}/health").json()["schema"] == first_schema
    assert_serves_benchmark(http, gateway)
    after_rejection, _ = scrape(http, gateway)

    # A real change: the API gains nothing, but the document (and so the schema id) differs.
    supergraph.write_text(original + "\n# reloaded by test_operator_endpoints\n")
    second_schema = wait_until(
        lambda: (s := http.get(f"{gateway.url}/health").json()["schema"]) != first_schema and s,
        "the new schema to serve",
    )
    reloaded = wait_until(lambda: logged("supergraph reloaded"), "the reload to be logged")
    assert first_schema in reloaded["msg"] and second_schema in reloaded["msg"]
    assert_serves_benchmark(http, gateway)
    after_reload, _ = scrape(http, gateway)
    assert value(after_reload, "charter_gateway_schema_reloads_total", result="ok") == 1
    # Operators alert on rejected reloads: the one above must be counted too.
    assert value(after_rejection, "charter_gateway_schema_reloads_total", result="error") == 1


def test_refused_requests_are_counted(http: httpx.Client, gateway_process: Service) -> None:
    """Requests refused before parsing (415, 406, 413) are refusals an operator must see."""
    before, _ = scrape(http, gateway_process)
    url = f"{gateway_process.url}/graphql"
    refused = [
        http.post(url, headers={**JSON_HEADERS, "content-type": "text/plain"}, content=b"{ __typename }"),
        http.post(url, headers={**JSON_HEADERS, "accept": "text/csv"}, content=b'{"query": "{ __typename }"}'),
        http.post(url, headers=JSON_HEADERS, content=b" " * (3 * 1024 * 1024)),
    ]
    assert [r.status_code for r in refused] == [415, 406, 413]
    after, _ = scrape(http, gateway_process)
    counted = value(after, "charter_gateway_requests_total", outcome="refused") - value(
        before, "charter_gateway_requests_total", outcome="refused"
    )
    assert counted == 3


@pytest.fixture(scope="module")
def two_workers(benchmark_subgraphs: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_gateway(
        workload_supergraph(benchmark_subgraphs), tmp_path_factory.mktemp("workers"), "--workers", "2"
    )
    try:
        yield service
    finally:
        service.stop()


async def test_metrics_add_up_across_workers(two_workers: Service) -> None:
    """With --workers N, every scrape must report the whole gateway, not whichever worker answers
    (Prometheus reads a counter that goes down as a restart)."""
    queries, scrapes = 40, 12
    url = f"{two_workers.url}/graphql"
    # Concurrent requests open concurrent connections: the kernel hands them to both workers.
    async with httpx.AsyncClient(timeout=30.0, headers=JSON_HEADERS) as client:
        answers = await asyncio.gather(
            *(client.post(url, content=b'{"query": "{ topProducts { upc } }"}') for _ in range(queries))
        )
    assert [a.status_code for a in answers] == [200] * queries
    async with httpx.AsyncClient(timeout=30.0) as client:
        pages = await asyncio.gather(*(client.get(f"{two_workers.url}/metrics") for _ in range(scrapes)))
    seen = [value(parse_metrics(p.text)[0], "charter_gateway_requests_total", outcome="success") for p in pages]
    assert seen == [queries] * scrapes


def test_workers_log_json_lines(two_workers: Service) -> None:
    """Workers log like the single-process gateway: their start, and a rejected reload, as JSON."""
    supergraph = two_workers.stderr_path.parent / "supergraph.graphql"
    original = supergraph.read_text()
    supergraph.write_text("this is not a supergraph {")
    try:
        wait_until(
            lambda: any("supergraph rejected" in line for line in two_workers.stderr_lines()),
            "a worker to log the rejected supergraph",
        )
    finally:
        supergraph.write_text(original)
    entries = [parse_log_line(line) for line in two_workers.stderr_lines() if line.strip()]
    assert any("serving schema" in e["msg"] for e in entries)
    assert all(e["logger"].startswith("charter") for e in entries)


def fragment_bomb(levels: int) -> str:
    """A 1 KB document whose naive expansion visits 2**levels fragment spreads: each fragment
    spreads the next one twice. It selects two fields; graphql-core validates it in milliseconds."""
    fragments = [f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return "\n".join(["{ users { ...F0 } }", *fragments, f"fragment F{levels} on User {{ id name }}"])


@pytest.fixture
def disposable_gateway(benchmark_subgraphs: Service, tmp_path: Path) -> Iterator[Service]:
    """A gateway of its own: if a request stalls it, no other test waits behind it (and a stalled
    event loop cannot honour SIGTERM, hence the short grace before SIGKILL)."""
    service = start_gateway(workload_supergraph(benchmark_subgraphs), tmp_path / "disposable")
    try:
        yield service
    finally:
        service.stop(grace_s=1.0)


def test_fragment_bomb_cannot_stall_the_gateway(disposable_gateway: Service) -> None:
    users = [{"id": u["id"], "name": u["name"]} for u in benchmark_expected()["data"]["users"]]
    # A gateway that collects fields once per fragment answers in milliseconds.
    with httpx.Client(timeout=5.0) as http:
        try:
            response = post(http, disposable_gateway, {"query": fragment_bomb(30)})
        except httpx.TimeoutException:
            pytest.fail("a 30-level fragment bomb kept the gateway busy for more than 5 s")
        # Either answer is fine, as long as it comes at once: the data, or a clear refusal.
        if response.status_code == 200:
            assert response.json() == {"data": {"users": users}}
        else:
            assert response.status_code == 400
            assert response.json()["errors"][0]["message"]
        assert http.get(f"{disposable_gateway.url}/health", timeout=2.0).status_code == 200
