"""graphql-transport-ws as its PROTOCOL.md says, message by message (the `websockets` client, so
every close code and message is visible): init and ack, ping/pong, close codes 4400, 4401, 4403,
4406, 4408, 4409, 4429, per-connection and per-client limits, errors for bad operations, queries
and mutations over the socket, and a slow client closed without holding up the others."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from infra.inprocess import ServedApp
from tests.subscriptions.support import Nats, alert_event, hub_of, serve_gateway

PROTO = ["graphql-transport-ws"]
ALERTS = "subscription { alertRaised(group: APAC) { id message project { name } } }"


def url(gw: ServedApp) -> str:
    return f"ws://127.0.0.1:{gw.port}/graphql"


async def send(ws: ClientConnection, msg: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(msg).decode())


async def recv(ws: ClientConnection) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[no-any-return]


async def closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code is not None
    return ws.close_code


async def acked(gw: ServedApp, payload: dict[str, Any] | None = None) -> ClientConnection:
    ws = await connect(url(gw), subprotocols=PROTO)  # type: ignore[list-item]
    await send(ws, {"type": "connection_init", **({"payload": payload} if payload is not None else {})})
    assert (await recv(ws))["type"] == "connection_ack"
    return ws


@pytest_asyncio.fixture(scope="module")
async def strict(supergraph_file: Any, nats_server: Nats) -> AsyncIterator[ServedApp]:
    """A gateway with tight limits: authorization required, short init timeout, two connections
    per client."""
    served = serve_gateway(
        supergraph_file, nats_server.url, ws_init_timeout=0.3, max_connections_per_client=2,
        subscription_buffer=4, ws_require_authorization=True,
    )
    try:
        yield served
    finally:
        await served.stop()


@pytest_asyncio.fixture(scope="module")
async def tight(supergraph_file: Any, nats_server: Nats) -> AsyncIterator[ServedApp]:
    """A gateway that closes a client once 4 messages wait for it."""
    served = serve_gateway(supergraph_file, nats_server.url, subscription_buffer=4)
    try:
        yield served
    finally:
        await served.stop()


@pytest_asyncio.fixture(scope="module")
async def authed(supergraph_file: Path, nats_server: Nats, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[ServedApp, str]]:
    """A gateway that trusts a development key, and a token with the scopes the mutations need:
    the token travels in connection_init, as a browser's would."""
    from gateway.auth.config import AuthConfig
    from infra.devkey import ISSUER, ensure_dev_key, mint

    keys = tmp_path_factory.mktemp("ws-keys")
    jwks = ensure_dev_key(keys)
    served = serve_gateway(supergraph_file, nats_server.url, auth=AuthConfig(jwks=(str(jwks),), issuer=ISSUER))
    try:
        yield served, mint(keys, ["projects:write", "metrics:write"], subject="ws-test")
    finally:
        await served.stop()


async def test_ping_pong_and_queries_and_mutations_over_the_socket(authed: tuple[ServedApp, str], project_id: str) -> None:
    gateway, token = authed
    ws = await acked(gateway, {"Authorization": f"Bearer {token}"})
    await send(ws, {"type": "ping"})
    assert (await recv(ws))["type"] == "pong"
    await send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "query($id: ID!) { project(id: $id) { id name } }", "variables": {"id": project_id}}})
    nxt = await recv(ws)
    assert nxt["id"] == "q" and nxt["type"] == "next" and nxt["payload"]["data"]["project"]["id"] == project_id
    assert await recv(ws) == {"id": "q", "type": "complete"}
    name = nxt["payload"]["data"]["project"]["name"]
    mutation = "mutation($id: ID!, $name: String) { updateProject(id: $id, input: {name: $name}) { id name } }"
    await send(ws, {"id": "m", "type": "subscribe", "payload": {"query": mutation, "variables": {"id": project_id, "name": name}}})
    nxt = await recv(ws)
    assert nxt["type"] == "next" and nxt["payload"]["data"]["updateProject"] == {"id": project_id, "name": name}
    assert (await recv(ws))["type"] == "complete"
    await ws.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"query": "subscription { nope }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "subscription { metricRecorded(projectId: $x) { value } }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "subscription($x: ID) { metricRecorded(projectId: $x) { value } }", "variables": {"x": {"a": 1}}}, "BAD_USER_INPUT"),
        ({"query": "subscription {"}, "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_bad_operations_get_an_error_message_and_the_connection_lives(gateway: ServedApp, payload: dict[str, Any], code: str) -> None:
    ws = await acked(gateway)
    await send(ws, {"id": "1", "type": "subscribe", "payload": payload})
    msg = await recv(ws)
    assert msg["type"] == "error" and msg["id"] == "1"
    assert msg["payload"][0]["extensions"]["code"] == code
    await send(ws, {"type": "ping"})
    assert (await recv(ws))["type"] == "pong"
    await ws.close()


async def test_too_many_subscriptions_per_connection(gateway: ServedApp) -> None:
    ws = await acked(gateway)  # the session gateway allows 5 per connection
    for i in range(5):
        await send(ws, {"id": str(i), "type": "subscribe", "payload": {"query": ALERTS}})
    await send(ws, {"id": "5", "type": "subscribe", "payload": {"query": ALERTS}})
    msg = await recv(ws)
    assert msg == {"id": "5", "type": "error", "payload": [{"message": msg["payload"][0]["message"], "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"}}]}
    await send(ws, {"id": "0", "type": "complete"})  # one stops: there is room again
    await send(ws, {"id": "6", "type": "subscribe", "payload": {"query": ALERTS}})
    await send(ws, {"type": "ping"})
    assert (await recv(ws))["type"] == "pong"  # no error for "6"
    await ws.close()


async def _code_after(gw: ServedApp, *messages: Any, init: bool = True) -> int | None:
    ws = await connect(url(gw), subprotocols=PROTO)  # type: ignore[list-item]
    if init:
        await send(ws, {"type": "connection_init"})
        assert (await recv(ws))["type"] == "connection_ack"
    for m in messages:
        await ws.send(m if isinstance(m, str) else orjson.dumps(m).decode())
    return await closed_with(ws)


async def test_close_codes(gateway: ServedApp) -> None:
    sub = {"id": "a", "type": "subscribe", "payload": {"query": ALERTS}}
    assert await _code_after(gateway, sub, init=False) == 4401
    assert await _code_after(gateway, "not json") == 4400
    assert await _code_after(gateway, {"type": "what"}) == 4400
    assert await _code_after(gateway, {"type": "subscribe", "id": "x"}) == 4400
    assert await _code_after(gateway, {"type": "connection_init", "payload": 3}, init=False) == 4400
    assert await _code_after(gateway, {"type": "connection_init"}) == 4429
    assert await _code_after(gateway, sub, sub) == 4409
    ws = await connect(url(gateway), subprotocols=["graphql-ws"])  # type: ignore[list-item]
    assert await closed_with(ws) == 4406


async def test_strict_gateway_init_timeout_auth_and_connection_limit(strict: ServedApp) -> None:
    ws = await connect(url(strict), subprotocols=PROTO)  # type: ignore[list-item]
    assert await closed_with(ws) == 4408  # no connection_init within 0.3 s
    ws = await connect(url(strict), subprotocols=PROTO)  # type: ignore[list-item]
    await send(ws, {"type": "connection_init", "payload": {}})
    assert await closed_with(ws) == 4403  # no authorization
    a = await acked(strict, {"Authorization": "Bearer 1"})
    b = await acked(strict, {"headers": {"authorization": "Bearer 2"}})
    c = await connect(url(strict), subprotocols=PROTO)  # type: ignore[list-item]
    assert await closed_with(c) == 1013  # a third connection from this client
    await a.close()
    await b.close()


async def test_slow_client_is_closed_and_the_others_keep_receiving(tight: ServedApp, nats_server: Nats, project_id: str) -> None:
    strict = tight
    hub = hub_of(tight)
    before = await _subscription_metrics(tight)
    fast = await acked(strict, {"Authorization": "Bearer same"})
    # The slow client never reads: a tiny receive buffer and queue, so back-pressure reaches the
    # gateway after a few events instead of after many megabytes of kernel buffers.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", strict.port))
    slow = await connect(url(strict), subprotocols=PROTO, sock=sock, max_queue=1, compression=None)  # type: ignore[list-item]
    await send(slow, {"type": "connection_init", "payload": {"Authorization": "Bearer same"}})
    assert (await recv(slow))["type"] == "connection_ack"
    for ws in (fast, slow):
        await send(ws, {"id": "s", "type": "subscribe", "payload": {"query": ALERTS}})
    slow.transport.pause_reading()
    # Identical subscriptions (same document, variables, auth): one stream for both.
    await asyncio.wait_for(hub.wait_until(lambda h: h.subscribers() == 2 and h.ready_streams() == 1), 10)
    both = await _subscription_metrics(tight)
    assert (both["open"], both["streams"]) == (2, 1)  # two client operations, one shared stream
    big = os.urandom(100_000).hex()  # large, incompressible events fill the socket buffers quickly
    received = 0
    for i in range(80):
        await nats_server.publish("alerts.apac.info", {**alert_event(project_id, "APAC", "INFO"), "message": big, "eventId": f"slow-{i}"})
        while True:  # the fast client reads everything as it comes
            msg = await recv(fast)
            if msg["type"] == "next":
                received += 1
                break
    assert received == 80
    assert hub.subscribers() == 1  # the slow one left its stream as soon as it was too far behind
    slow.transport.resume_reading()
    # The gateway closed the slow one (1013) once its buffer was full; it sees that after the
    # events that did reach it.
    assert await closed_with(slow) == 1013
    during = await _subscription_metrics(tight)
    assert during["open"] == 1
    assert during["delivered"] - before["delivered"] >= 80  # every event reached the fast client
    assert during["dropped"] - before["dropped"] >= 1  # and one, at least, was dropped for the slow one
    await fast.close()
    await asyncio.wait_for(hub.wait_until(lambda h: not h.streams), 10)
    after = await _subscription_metrics(tight)
    assert (after["open"], after["streams"]) == (0, 0)


async def _subscription_metrics(gw: ServedApp) -> dict[str, float]:
    """The gateway's subscription series, from its /metrics."""
    samples = await _samples(gw)
    return {
        "open": samples[("charter_gateway_subscriptions_open", ())],
        "streams": samples[("charter_gateway_subscription_streams_open", ())],
        "delivered": samples.get(("charter_gateway_subscription_events_total", (("result", "delivered"),)), 0.0),
        "dropped": samples.get(("charter_gateway_subscription_events_total", (("result", "dropped"),)), 0.0),
    }


async def test_event_source_failure_is_an_error_message(supergraph_file: Any) -> None:
    """Without a NATS server for the field's provider, the subscription ends with an error."""
    served = serve_gateway(supergraph_file, "")
    try:
        ws = await acked(served)
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": ALERTS}})
        msg = await recv(ws)
        assert msg["type"] == "error" and msg["id"] == "1"
        assert msg["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_SOURCE_FAILED"
        await send(ws, {"type": "ping"})
        assert (await recv(ws))["type"] == "pong"
        await ws.close()
    finally:
        await served.stop()


async def _samples(gw: ServedApp) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the gateway's /metrics, by (name, sorted labels)."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"http://127.0.0.1:{gw.port}/metrics")).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


async def test_operations_over_the_socket_and_streams_are_counted(gateway: ServedApp) -> None:
    """An operator's request counts include what arrives over WebSocket and SSE: queries with
    their latency under their operation name, subscriptions once as they start, refusals."""
    before = await _samples(gateway)
    ws = await acked(gateway)
    await send(ws, {"id": "q", "type": "subscribe", "payload": {"query": "query CountedOverWs { __typename }"}})
    assert (await recv(ws))["type"] == "next"
    assert (await recv(ws)) == {"id": "q", "type": "complete"}
    await send(ws, {"id": "s", "type": "subscribe", "payload": {"query": ALERTS}})
    await send(ws, {"id": "bad", "type": "subscribe", "payload": {"query": "subscription { nope }"}})
    assert (await recv(ws))["type"] == "error"
    await send(ws, {"id": "s", "type": "complete"})
    await ws.close()
    async with httpx.AsyncClient() as client:
        r = await client.post(f"http://127.0.0.1:{gateway.port}/graphql", json={"query": "query CountedOverSse { __typename }"},
                              headers={"accept": "text/event-stream"})
        assert r.status_code == 200 and "__typename" in r.text
    after = await _samples(gateway)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("charter_gateway_requests_total", outcome="success") == 3  # two queries, one subscription
    assert delta("charter_gateway_requests_total", outcome="refused") == 1
    assert delta("charter_gateway_request_seconds_count", operation="CountedOverWs") == 1
    assert delta("charter_gateway_request_seconds_count", operation="CountedOverSse") == 1
