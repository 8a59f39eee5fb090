"""APQ bounded by entries and bytes (over-size or invalid documents never stored), and trusted
documents mode: only manifest operations run, with a clear error and status otherwise."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from gateway.persisted import MemoryStore, parse_manifest
from tests.gateway.cache_subgraphs import CacheWorld, request_headers, serve_gateway, start_world

QUERY = "query Count { productCount }"


def _apq(query: str | None, digest: str) -> dict[str, object]:
    body: dict[str, object] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_the_local_store_is_bounded_by_entries_and_bytes() -> None:
    store = MemoryStore(size=3, max_bytes=100, max_document_bytes=60)
    for i in range(5):
        await store.put(str(i), f"{{ a{i} }}")
    assert len(store) == 3 and await store.get("0") is None and await store.get("4") == "{ a4 }"
    await store.put("big", "x" * 61)
    assert await store.get("big") is None  # over the per-document limit: never stored
    for i in range(3):
        await store.put(f"w{i}", "y" * 50)
    assert store.bytes <= 100 and len(store) == 2


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[CacheWorld]:
    w = await start_world()
    yield w
    await w.stop()


async def test_invalid_or_oversized_documents_are_never_stored(world: CacheWorld) -> None:
    g = serve_gateway(world.supergraph, apq_max_document_bytes=200)
    try:
        async with httpx.AsyncClient(timeout=10) as c:
            invalid = "{ noSuchField }"
            r = await c.post(g.url, json=_apq(invalid, _sha(invalid)), headers=request_headers())
            assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            r = await c.post(g.url, json=_apq(None, _sha(invalid)), headers=request_headers())
            assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

            big = "#" + "x" * 300 + "\n" + QUERY
            r = await c.post(g.url, json=_apq(big, _sha(big)), headers=request_headers())
            assert r.json()["data"] == {"productCount": 20}  # it runs ...
            r = await c.post(g.url, json=_apq(None, _sha(big)), headers=request_headers())
            assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"  # ... unstored

            r = await c.post(g.url, json=_apq(QUERY, _sha(QUERY)), headers=request_headers())
            r = await c.post(g.url, json=_apq(None, _sha(QUERY)), headers=request_headers())
            assert r.json()["data"] == {"productCount": 20}
    finally:
        await g.served.stop()


ALLOWED = 'query One($upc: ID!) { product(upc: $upc) { name } }'


@pytest.mark.parametrize("form", ["apollo", "map"])
async def test_trusted_documents_run_only_registered_operations(world: CacheWorld, tmp_path: Path, form: str) -> None:
    op_id = _sha(ALLOWED)
    manifest: object = (
        {"format": "apollo-persisted-query-manifest", "version": 1,
         "operations": [{"id": op_id, "name": "One", "type": "query", "body": ALLOWED}]}
        if form == "apollo" else {op_id: ALLOWED}
    )
    path = tmp_path / "manifest.json"
    path.write_bytes(orjson.dumps(manifest))
    assert parse_manifest(manifest) == {op_id: ALLOWED}
    g = serve_gateway(world.supergraph, trusted_documents=str(path))
    variables = {"upc": "3"}
    try:
        async with httpx.AsyncClient(timeout=10) as c:
            by_hash = await c.post(g.url, json={**_apq(None, op_id), "variables": variables}, headers=request_headers())
            assert by_hash.json() == {"data": {"product": {"name": "product 3"}}}
            by_id = await c.post(g.url, json={"documentId": op_id, "variables": variables}, headers=request_headers())
            assert by_id.json() == by_hash.json()
            by_text = await c.post(g.url, json={"query": ALLOWED, "variables": variables}, headers=request_headers())
            assert by_text.json() == by_hash.json()

            for accept in ("application/graphql-response+json", "application/json"):
                headers = {**request_headers(), "accept": accept}
                other = await c.post(g.url, json={"query": QUERY}, headers=headers)
                assert other.status_code == 400
                err = other.json()["errors"][0]
                assert err["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST" and "trusted documents" in err["message"]
                assert "data" not in other.json()
                unknown = await c.post(g.url, json={"documentId": "0" * 64}, headers=headers)
                assert unknown.status_code == 400
                assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
                # APQ registration cannot add to the list
                register = await c.post(g.url, json=_apq(QUERY, _sha(QUERY)), headers=headers)
                assert register.status_code == 400
    finally:
        await g.served.stop()
