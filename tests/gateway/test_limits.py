"""Limits on what clients and subgraphs can send: bounded subgraph responses (no gzip bomb, no
redirects), request bodies with a deadline, byte-bounded caches, and cheap refusal of documents
built to make validation quadratic."""

from __future__ import annotations

import asyncio
import gc
import gzip
import time
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.composition import SubgraphInput, compose
from gateway.config import GatewayConfig
from gateway.http.app import create_app
from gateway.operation import DocumentCache, Limits, prepare
from gateway.persisted import MemoryStore
from gateway.state import build_state
from infra.inprocess import ServedApp, serve_in_loop

SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"]) type Query { hello: String }'
LIMIT = 256 * 1024
hits: dict[str, int] = {}


def _bomb() -> bytes:
    # ~100 MB of spaces inside a JSON string, a few hundred KB compressed
    inflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [inflater.compress(b'{"data": {"hello": "')]
    block = b" " * (1024 * 1024)
    for _ in range(100):
        parts.append(inflater.compress(block))
    parts.append(inflater.compress(b'"}}'))
    parts.append(inflater.flush())
    return b"".join(parts)


BOMB = _bomb()


async def evil(request: Request) -> Response:
    kind = request.path_params["kind"]
    hits[kind] = hits.get(kind, 0) + 1
    if kind == "bomb":
        return Response(BOMB, media_type="application/json", headers={"content-encoding": "gzip"})
    if kind == "huge":
        return Response(b'{"data": {"hello": "' + b"x" * (LIMIT * 2) + b'"}}', media_type="application/json")
    if kind == "redirect":
        return RedirectResponse("/graphql/good", status_code=307)
    if kind == "leaky":
        return Response(
            b'{"data": {"hello": null}, "errors": [{"message": "db at 10.1.2.3:5432 failed in /srv/app/db.py",'
            b' "path": ["hello"], "extensions": {"code": "DB_DOWN", "stacktrace": ["File /srv/app/db.py, line 3"],'
            b' "exception": {"cls": "OperationalError"}}}]}',
            media_type="application/json",
        )
    if kind == "gzip":
        return Response(gzip.compress(b'{"data": {"hello": "compressed"}}'), media_type="application/json",
                        headers={"content-encoding": "gzip"})
    return Response(b'{"data": {"hello": "fine"}}', media_type="application/json")


@pytest_asyncio.fixture(scope="module")
async def evil_server() -> AsyncIterator[ServedApp]:
    served = serve_in_loop(Starlette(routes=[Route("/graphql/{kind}", evil, methods=["POST"])]))
    yield served
    await served.stop()


async def _gateway_for(url: str, **config: object) -> ServedApp:
    result = compose([SubgraphInput("evil", url, SDL)])
    assert result.ok and result.supergraph_sdl
    return serve_in_loop(create_app(GatewayConfig(watch=False, max_subgraph_response_bytes=LIMIT, **config), result.supergraph_sdl))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "answer", "code"),
    [
        ("good", "fine", None),
        ("gzip", "compressed", None),
        ("bomb", None, "SUBREQUEST_MALFORMED_RESPONSE"),
        ("huge", None, "SUBREQUEST_MALFORMED_RESPONSE"),
        ("redirect", None, "SUBREQUEST_HTTP_ERROR"),
    ],
)
async def test_subgraph_responses_are_bounded(evil_server: ServedApp, kind: str, answer: str | None, code: str | None) -> None:
    base = evil_server.url.rsplit("/graphql", 1)[0]
    gw = await _gateway_for(f"{base}/graphql/{kind}")
    try:
        before_good = hits.get("good", 0)
        async with httpx.AsyncClient(timeout=30) as client:
            body = (await client.post(gw.url, json={"query": "{ hello }"})).json()
        assert body["data"] == {"hello": answer}, body
        if code is None:
            assert "errors" not in body
        else:
            assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
            assert "127.0.0.1" not in str(body) or kind != "redirect"
        if kind == "redirect":
            assert hits.get("good", 0) == before_good  # the redirect was not followed
    finally:
        await gw.stop()


@pytest.mark.parametrize("redact", [False, True])
async def test_subgraph_errors_are_masked(evil_server: ServedApp, redact: bool) -> None:
    base = evil_server.url.rsplit("/graphql", 1)[0]
    gw = await _gateway_for(f"{base}/graphql/leaky", redact_subgraph_errors=redact)
    down = await _gateway_for("http://127.0.0.1:1/graphql")
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            body = (await client.post(gw.url, json={"query": "{ hello }"})).json()
            unreachable = (await client.post(down.url, json={"query": "{ hello }"})).json()
        (e,) = body["errors"]
        assert e["path"] == ["hello"] and e["extensions"] == {"code": "DB_DOWN", "service": "evil"}
        assert e["message"] == ("Subgraph errors redacted" if redact else "db at <subgraph> failed in <path>")
        text = str(unreachable)
        assert unreachable["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
        assert "127.0.0.1:1" not in text and ":1 " not in text, text
    finally:
        await gw.stop()
        await down.stop()


async def test_request_body_deadline(evil_server: ServedApp) -> None:
    base = evil_server.url.rsplit("/graphql", 1)[0]
    gw = await _gateway_for(f"{base}/graphql/good", body_timeout=0.5)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        await writer.drain()
        started = time.monotonic()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        assert b" 408 " in status_line, status_line
        assert time.monotonic() - started < 3
        writer.close()
        async with httpx.AsyncClient(timeout=10) as client:  # and it keeps serving
            assert (await client.post(gw.url, json={"query": "{ hello }"})).json() == {"data": {"hello": "fine"}}
    finally:
        await gw.stop()


def test_document_cache_and_apq_bounded_by_bytes() -> None:
    result = compose([SubgraphInput("evil", "http://127.0.0.1:9/graphql", SDL)])
    state = build_state(result.supergraph_sdl or "")
    cache = DocumentCache(state.api_schema, Limits(), size=1000, max_bytes=64 * 1024)
    padding = "#" + "x" * 4000 + "\n"  # comments: no tokens, all bytes
    for i in range(100):
        cache.get(f"{padding}{{ hello }} # {i}")
    assert cache.bytes <= 64 * 1024 and len(cache._entries) < 20
    store = MemoryStore(size=1000, max_bytes=64 * 1024)
    for i in range(100):
        asyncio.run(store.put(f"d{i}", padding + str(i)))
    assert store.bytes <= 64 * 1024 and len(store._entries) < 20
    assert asyncio.run(store.get("d99")) is not None and asyncio.run(store.get("d0")) is None


@pytest.mark.parametrize(
    "document",
    [
        "{ " + " ".join("nations { edges { node { name code } } }" for _ in range(50_000 // 40)) + " }",
        "{ " + " ".join(f"...F{i}" for i in range(700)) + " }\n"
        + "\n".join(f'fragment F{i} on Query {{ nation(code: "X{i % 7}") {{ name }} }}' for i in range(700)),
    ],
    ids=["same-field-1250-times", "conflicting-fragments"],
)
def test_quadratic_validation_is_refused_quickly(document: str) -> None:
    from subgraphs.supergraph import SCHEMA_DIR

    state = build_state((SCHEMA_DIR / "supergraph.graphql").read_text())
    assert len(document) >= 40_000
    # CPU time, best of three after a collection: the garbage of earlier tests (a collection
    # landing inside the measure) and a busy machine must not count as the refusal's cost.
    gc.collect()
    timings = []
    for _ in range(3):
        started = time.process_time()
        prepared = prepare(state.api_schema, document, Limits())
        timings.append(time.process_time() - started)
    spent = min(timings)
    assert prepared.errors and "repeats the same response names" in prepared.errors[0].message
    # graphql-core alone spends over 10 s on the first; parsing 50 KB is most of what remains
    assert spent < 0.5, spent
