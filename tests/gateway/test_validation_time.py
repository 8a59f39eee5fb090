"""Hostile 50 KB documents are refused within 100 ms of the gateway's own CPU time, and the
gateway keeps answering other clients meanwhile (issue 10: validation never blocks for long).

The measure is the gateway process's CPU time (from /proc) across each request: on a machine
shared with other work, wall time measures the neighbours; CPU time measures what the document
cost the gateway."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.gateway_support import GatewayFactory, Proc

SIZE = 50_000


def _repeat(piece: str) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) + len(parts) < SIZE:
        parts.append(piece.format(i=len(parts)))
    return "{ " + " ".join(parts) + " }"


def _fragments(count: int, body: str) -> str:
    spreads = " ".join(f"...F{i}" for i in range(count))
    return "{ " + spreads + " }\n" + "\n".join(f"fragment F{i} on Query {{ {body.format(i=i)} }}" for i in range(count))


def _chain(count: int) -> str:
    # every fragment spreads the next: nested spreads thousands deep, flat in the text
    return "{ me { ...F0 } }\n" + "\n".join(f"fragment F{i} on User {{ id ...F{i + 1} }}" for i in range(count)) + (
        f"\nfragment F{count} on User {{ name }}"
    )


def _bomb(levels: int) -> str:
    # each fragment spreads the one below twice under two fields: 2^levels fields once expanded
    parts = ["{ me { ...L0 } }"]
    for i in range(levels):
        parts.append(f"fragment L{i} on User {{ reviews {{ author {{ ...L{i + 1} }} }} a{i}: reviews {{ author {{ ...L{i + 1} }} }} }}")
    parts.append(f"fragment L{levels} on User {{ id " + "name " * (SIZE // 5 - 200) + "}")
    return "\n".join(parts)


DOCUMENTS = {
    "conflicting-fields": _repeat('topProducts(first: {i}) {{ upc }}'),
    "same-field": _repeat('user(id: "{i}-a-user-id") {{ name }}'),
    "many-fragments": _fragments(760, "topProducts(first: {i}) {{ name }}"),
    "deeply-nested-spreads": _chain(1350),
    "many-aliases": _repeat("alias_number_{i}: user(id: {i}) {{ id }}"),
    "fragment-bomb": _bomb(12),
}
CODES = {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


@pytest.fixture(scope="module")
def gateway(bench_supergraph: Path) -> Iterator[Proc]:
    from tests.gateway.gateway_support import REPO, free_port, spawn

    port = free_port()
    proc = spawn([str(REPO / ".venv/bin/charter"), "gateway", "--supergraph", str(bench_supergraph),
                  "--host", "127.0.0.1", "--port", str(port)], port, "/health")
    yield proc
    proc.stop()


def _refuse(client: httpx.Client, text: str) -> None:
    r = client.post("/graphql", json={"query": text}, headers={"accept": "application/graphql-response+json"})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    errors = r.json()["errors"]
    assert errors and errors[0]["extensions"]["code"] in CODES, errors[0]


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_hostile_document_costs_under_100_ms(gateway: Proc, kind: str, start_gateway: GatewayFactory) -> None:
    document = DOCUMENTS[kind]
    assert SIZE <= len(document.encode()) <= 2 * SIZE, len(document)
    pid = gateway.process.pid
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        client.post("/graphql", json={"query": "{ me { id } }"}).raise_for_status()  # warm
        spent = []
        for attempt in range(3):
            # a distinct text each time: the document cache must not answer for the work
            text = f"{document}\n# attempt {attempt}"
            before = cpu_seconds(pid)
            _refuse(client, text)
            spent.append(cpu_seconds(pid) - before)
    # best of three: a collection of garbage landing inside one request is not this document's cost
    assert min(spent) < 0.1, (kind, spent)


def test_other_clients_are_served_meanwhile(gateway: Proc) -> None:
    hostile = list(DOCUMENTS.values()) * 3
    done = threading.Event()
    spans: list[tuple[float, float]] = []  # (sent, answered) of each small request
    failures: list[str] = []

    def small_requests() -> None:
        with httpx.Client(base_url=gateway.url, timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                r = client.post("/graphql", json={"query": "{ topProducts(first: 2) { upc name } }"})
                if r.status_code != 200 or not r.json().get("data", {}).get("topProducts"):
                    failures.append(r.text[:200])
                spans.append((started, time.perf_counter()))

    threads = [threading.Thread(target=small_requests) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as client:
            burst_start = time.perf_counter()
            for n, document in enumerate(hostile):
                _refuse(client, f"{document}\n# burst {n}")
            burst_end = time.perf_counter()
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not failures, failures[:3]
    # Served throughout, not after the burst: small requests were sent and answered while the
    # hostile ones were in flight, and none sent during the burst waited for most of it. Both are
    # relative to the burst, so a slower (or shared) machine stretches them alike.
    burst = burst_end - burst_start
    inside = [(s, e) for s, e in spans if burst_start <= s and e <= burst_end]
    assert len(inside) >= 3, (len(inside), len(spans), round(burst, 3))
    waited = max(e - s for s, e in spans if burst_start <= s <= burst_end)
    assert waited < burst / 2, (round(waited, 3), round(burst, 3))


MEASURED = [
    'query Q($a: Int = 1, $b: [In!] = [{x: {y: 1}}]) @d(x: "}") { a: nation(code: "X") @include(if: $v) {'
    ' name ... on Nation { b: code c: name { x } } ...G } ... @skip(if: true) { z } }'
    ' fragment G on Nation @x { d: name e { f: g } ...H ...H } fragment H on Nation { h: name(s: """ { """) }'
    ' query { x: y y y { ...G } }',
    "{ a { b { c { d { e } } } } a { b } ...on Query { a { b } } }",
    _bomb(6),
    DOCUMENTS["conflicting-fields"],
    DOCUMENTS["many-aliases"],
]


@pytest.mark.parametrize("text", MEASURED, ids=range(len(MEASURED)))
def test_the_scan_measures_what_the_tree_measures(text: str) -> None:
    from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

    from gateway import prescan
    from gateway.operation import _depth_and_aliases, _overlap

    document = parse(text)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    tree = {
        d.name.value if d.name else None: _depth_and_aliases(d.selection_set, fragments, {})
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }
    limit = 10**12
    scanned = prescan.measure(text, limit)
    assert scanned.depth == {name: depth for name, (depth, _) in tree.items()}
    assert scanned.aliases == {name: aliases for name, (_, aliases) in tree.items()}
    assert scanned.overlap == _overlap(document, fragments, limit)
