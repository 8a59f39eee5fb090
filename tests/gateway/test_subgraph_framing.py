"""HTTP framing a subgraph may get wrong (issue 10): a body on a status that has none (204, 304),
a body longer than its Content-Length, chunked with Content-Length, 1xx answers before the real one,
an HTTP/1.0 answer without a length that never ends. Each comes from a raw-socket subgraph
(tests/gateway/raw_subgraph.py) to a real `charter gateway`: the fetch gets a clear error (or, where
HTTP says the answer is fine, the answer) in bounded time, the connection that carried the broken
answer is never used again, and everyone else is served meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest

from gateway.errors import SUBREQUEST_MALFORMED_RESPONSE, SUBREQUEST_TIMEOUT
from tests.gateway.gateway_support import GatewayFactory
from tests.gateway.raw_subgraph import GOOD_ITEMS, RawSubgraph, Script, response

SUBGRAPH_TIMEOUT = 2.0
QUERY = "{ items(first: 3) { id name count price } }"
ANSWER = {"data": {"items": [{"id": "1", "name": "one", "count": 2, "price": 1.5}]}}
OTHER = '{ item(id: "1") { id name } }'
BIG = b"x" * 400_000
EVIL = response(orjson.dumps({"data": {"items": [{"__typename": "Item", "id": "evil", "name": "injected", "count": 0}]}}))


@pytest.fixture(scope="module")
def raw() -> Iterator[RawSubgraph]:
    with RawSubgraph() as server:
        yield server


@pytest.fixture
def client(raw: RawSubgraph, start_gateway: GatewayFactory, tmp_path: Any) -> Iterator[httpx.Client]:
    raw.script = Script(GOOD_ITEMS, reusable=True)
    gateway = start_gateway(
        raw.write_supergraph(tmp_path / "supergraph.graphql"), "--subgraph-timeout", str(SUBGRAPH_TIMEOUT),
        "--max-subgraph-response-bytes", str(256 * 1024), "--no-dedup", "--no-subgraph-dedup", "--no-watch",
    )
    with httpx.Client(base_url=gateway.url, timeout=15) as c:
        assert _ask(c, QUERY) == ANSWER  # warm: a pooled keep-alive connection to the subgraph
        yield c


def _ask(client: httpx.Client, query: str) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query}, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _broken(raw: RawSubgraph, client: httpx.Client, script: Script) -> tuple[dict[str, Any], float]:
    """The items query answered with `script`, while /health and another query are asked (and
    must be answered) until it is; then the next items queries on good answers."""
    raw.script = script
    raw.items_received.clear()
    raw.reused_after_bad = 0
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(_ask, client, QUERY)
        assert raw.items_received.wait(10)
        with httpx.Client(base_url=str(client.base_url), timeout=3) as other:
            assert other.get("/health").status_code == 200
            assert _ask(other, OTHER) == {"data": {"item": {"id": "1", "name": "one"}}}
        body = pending.result(timeout=15)
        elapsed = time.monotonic() - started
    raw.script = Script(GOOD_ITEMS, reusable=True)
    for _ in range(5):
        assert _ask(client, QUERY) == ANSWER  # nothing of the broken answer is read as a later one
    assert raw.reused_after_bad == 0, "a connection was used again after a broken answer"
    return body, elapsed


def _error(body: dict[str, Any], code: str) -> str:
    assert body["data"] is None, body
    [e] = body["errors"]
    assert e["extensions"]["code"] == code, e
    assert e["extensions"]["service"] == "catalog", e
    assert "127.0.0.1" not in e["message"] and "xxxx" not in e["message"], e
    message: str = e["message"]
    return message


NO_CONTENT = {
    "204-with-its-body": Script(response(BIG, "204 No Content")),
    "204-body-in-a-second-segment": Script(response(b"", "204 No Content", f"content-length: {len(BIG)}\r\n", length=False), BIG),
    "204-declared-not-sent": Script(response(b"", "204 No Content", f"content-length: {len(BIG)}\r\n", length=False)),
    "204-body-without-length": Script(response(b"", "204 No Content", length=False), BIG),
    "304-with-its-body": Script(response(BIG, "304 Not Modified")),
    "101-unasked": Script(response(b"", "101 Switching Protocols", "connection: upgrade\r\nupgrade: h2c\r\n", length=False), BIG),
}


@pytest.mark.parametrize("script", NO_CONTENT.values(), ids=NO_CONTENT.keys())
def test_a_status_without_content_is_a_malformed_answer(raw: RawSubgraph, client: httpx.Client, script: Script) -> None:
    body, elapsed = _broken(raw, client, script)
    message = _error(body, SUBREQUEST_MALFORMED_RESPONSE)
    assert message.startswith("Subgraph 'catalog' returned a malformed response: "), message
    assert elapsed < SUBGRAPH_TIMEOUT, elapsed  # refused as it arrives, not timed out


def test_a_body_longer_than_its_content_length_is_never_read_as_another_answer(raw: RawSubgraph, client: httpx.Client) -> None:
    # The excess in the answer's segment: parsed with it, so the connection is closed on release.
    body, _ = _broken(raw, client, Script(GOOD_ITEMS + EVIL))
    assert body == ANSWER
    body, elapsed = _broken(raw, client, Script(GOOD_ITEMS + b"garbage after the body\r\n\r\n"))
    assert "evil" not in str(body)
    assert elapsed < SUBGRAPH_TIMEOUT, elapsed


def test_an_answer_sent_to_an_idle_connection_is_never_read(raw: RawSubgraph, client: httpx.Client) -> None:
    # The excess long after the answer was read, the connection idle in the pool (nothing else
    # asked meanwhile: a query the catalog answers alone). Excess that arrives after the next
    # request has gone out cannot be told from its answer in HTTP/1.1 (gateway/transport/framing.py).
    raw.later_sent.clear()
    raw.reused_after_bad = 0
    raw.script = Script(GOOD_ITEMS, later=EVIL)
    assert _ask(client, "{ items(first: 3) { id name count } }") == {"data": {"items": [{"id": "1", "name": "one", "count": 2}]}}
    assert raw.later_sent.wait(10)
    raw.script = Script(GOOD_ITEMS, reusable=True)
    for _ in range(5):
        assert _ask(client, QUERY) == ANSWER
    assert raw.reused_after_bad == 0, "the connection was used again after the unasked answer"
    assert client.get("/health").status_code == 200


def test_chunked_with_a_content_length_is_a_malformed_answer(raw: RawSubgraph, client: httpx.Client) -> None:
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(orjson.dumps(raw_items := {"data": {"items": []}})), orjson.dumps(raw_items))
    script = Script(response(chunked, headers="transfer-encoding: chunked\r\ncontent-length: 5\r\n", length=False))
    body, elapsed = _broken(raw, client, script)
    assert "invalid HTTP response" in _error(body, SUBREQUEST_MALFORMED_RESPONSE)
    assert elapsed < SUBGRAPH_TIMEOUT, elapsed


def test_informational_answers_before_the_real_one_are_skipped(raw: RawSubgraph, client: httpx.Client) -> None:
    # RFC 9110 15.2: a client must accept any number of 1xx answers before the final one.
    informational = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
    body, elapsed = _broken(raw, client, Script(informational + GOOD_ITEMS, reusable=True))
    assert body == ANSWER
    assert elapsed < SUBGRAPH_TIMEOUT, elapsed


def test_informational_answers_never_followed_by_one_time_out(raw: RawSubgraph, client: httpx.Client) -> None:
    body, elapsed = _broken(raw, client, Script(b"HTTP/1.1 100 Continue\r\n\r\n" * 3, then="hold"))
    _error(body, SUBREQUEST_TIMEOUT)
    assert SUBGRAPH_TIMEOUT - 0.5 < elapsed < SUBGRAPH_TIMEOUT + 3, elapsed


def test_an_http10_answer_without_length_that_never_ends_times_out(raw: RawSubgraph, client: httpx.Client) -> None:
    script = Script(b'HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{"data": {"items": [', then="hold")
    body, elapsed = _broken(raw, client, script)
    _error(body, SUBREQUEST_TIMEOUT)
    assert SUBGRAPH_TIMEOUT - 0.5 < elapsed < SUBGRAPH_TIMEOUT + 3, elapsed
