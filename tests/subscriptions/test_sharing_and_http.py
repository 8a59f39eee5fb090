"""Sharing (identical subscriptions: one stream, one entity fetch per event), the streamed HTTP
framings on the wire (SSE and multipart), a subscription over plain POST, disconnects, and
supergraph reloads with subscriptions open."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from infra.inprocess import ServedApp
from tests.subscriptions.support import Nats, hub_of, metric_event, serve_gateway

QUERY = "subscription($id: ID) { metricRecorded(projectId: $id) { value project { name } } }"


class CountingTransport:
    """Wraps the gateway's transport to count subgraph requests."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.posts: list[str] = []

    async def post(self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str], *rest: Any, **options: Any) -> Any:
        self.posts.append(subgraph)
        return await self.inner.post(subgraph, url, body, headers, *rest, **options)


async def _ws(gw: ServedApp, op_id: str, query: str, variables: dict[str, Any], auth: str = "Bearer a") -> ClientConnection:
    ws = await connect(f"ws://127.0.0.1:{gw.port}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": auth}}).decode())
    assert orjson.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(orjson.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}).decode())
    return ws


async def _next(ws: ClientConnection) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[no-any-return]


async def test_identical_subscriptions_share_one_stream_and_one_entity_fetch(gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    hub = hub_of(gateway)
    clients = [await _ws(gateway, "s", QUERY, {"id": project_id}) for _ in range(3)]
    other_auth = await _ws(gateway, "s", QUERY, {"id": project_id}, auth="Bearer b")  # another auth scope
    await asyncio.wait_for(hub.wait_until(lambda h: h.subscribers() >= 4 and all(s.ready for s in h.streams.values())), 10)
    mine = [s for s in hub.streams.values() if s.p.variables == {"id": project_id} and "metricRecorded" in s.p.text]
    assert len(mine) == 2 and sorted(len(s.sinks) for s in mine) == [1, 3]
    gw = hub.gateway
    counting = CountingTransport(gw.transport)
    gw.transport = counting
    try:
        await nats_server.publish(f"covenant.metric.ams.{project_id}", metric_event(project_id, 3.0))
        got = [await _next(ws) for ws in (*clients, other_auth)]
    finally:
        gw.transport = counting.inner
    assert all(m["payload"]["data"]["metricRecorded"]["value"] == 3.0 for m in got)
    assert counting.posts == ["projects", "projects"]  # one per stream, not one per subscriber
    for ws in (*clients, other_auth):
        await ws.close()
    await asyncio.wait_for(hub.wait_until(lambda h: not any("metricRecorded" in s.p.text for s in h.streams.values())), 10)


async def _stream_until(gw: ServedApp, accept: str, nats_server: Nats, project_id: str, marker: bytes) -> tuple[httpx.Response, bytes]:
    hub = hub_of(gw)
    before = hub.subscribers()
    body = b""
    async with httpx.AsyncClient(timeout=20) as client, client.stream(
        "POST", f"http://127.0.0.1:{gw.port}/graphql", json={"query": QUERY, "variables": {"id": project_id}},
        headers={"accept": accept},
    ) as response:
        await asyncio.wait_for(hub.wait_until(lambda h: h.subscribers() > before and all(s.ready for s in h.streams.values())), 10)
        await nats_server.publish(f"covenant.metric.ams.{project_id}", metric_event(project_id, 9.25))
        async for chunk in response.aiter_bytes():
            body += chunk
            if marker in body:
                break
    # The client went away: its subscription ends with it.
    await asyncio.wait_for(hub.wait_until(lambda h: h.subscribers() == before), 10)
    return response, body


async def test_sse_framing(gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    response, body = await _stream_until(gateway, "text/event-stream", nats_server, project_id, b"9.25")
    assert response.headers["content-type"].startswith("text/event-stream")
    # keep-alive comments may come first (a slow machine); the event is the `next` frame
    frames = [f for f in body.split(b"\n\n") if f.startswith(b"event: next")]
    assert frames, body
    event, data = frames[0].split(b"\n")
    assert event == b"event: next"
    assert orjson.loads(data.removeprefix(b"data: "))["data"]["metricRecorded"]["value"] == 9.25


async def test_multipart_framing(gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    accept = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'
    response, body = await _stream_until(gateway, accept, nats_server, project_id, b"9.25")
    assert response.headers["content-type"] == 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
    parts = [p for p in body.split(b"\r\n--graphql") if p.strip()]
    head, payload = parts[-1].split(b"\r\n\r\n", 1)
    assert b"content-type: application/json" in head
    assert orjson.loads(payload)["payload"]["data"]["metricRecorded"]["value"] == 9.25


async def test_query_over_sse_and_subscription_over_plain_post(gateway: ServedApp, project_id: str) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        url = f"http://127.0.0.1:{gateway.port}/graphql"
        # Without an event-stream Accept, a subscription is a request error (GraphQL over HTTP:
        # 400 for application/graphql-response+json, 200 with only `errors` for application/json).
        r = await client.post(url, json={"query": QUERY}, headers={"accept": "application/graphql-response+json"})
        assert r.status_code == 400 and "data" not in r.json()
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        r = await client.post(url, json={"query": QUERY}, headers={"accept": "application/json"})
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "data" not in r.json()
        r = await client.post(url, json={"query": "query($id: ID!) { project(id: $id) { id } }", "variables": {"id": project_id}}, headers={"accept": "text/event-stream"})
        assert r.status_code == 200
        assert r.text.startswith("event: next\ndata: ")
        assert r.text.endswith("event: complete\ndata: \n\n")
        assert orjson.loads(r.text.split("\n")[1].removeprefix("data: "))["data"]["project"]["id"] == project_id
        r = await client.post(url, content=b"{not json", headers={"accept": "text/event-stream", "content-type": "application/json"})
        assert r.status_code == 400


async def test_reload_keeps_subscriptions_and_ends_those_whose_field_is_gone(supergraph_file: Path, nats_server: Nats, project_id: str, tmp_path: Path) -> None:
    from gateway.reload import reload_once

    path = tmp_path / "supergraph.graphql"
    sdl = supergraph_file.read_text()
    path.write_text(sdl)
    served = serve_gateway(path, nats_server.url, watch=False)
    try:
        hub = hub_of(served)
        kept = await _ws(served, "m", QUERY, {"id": project_id})
        gone = await _ws(served, "a", "subscription { alertRaised { id } }", {})
        await asyncio.wait_for(hub.wait_until(lambda h: h.ready_streams() == 2), 10)
        # A new supergraph without alertRaised (and a changed description: a new schema id).
        without = sdl.replace('"""Alerts raised (for one group and/or severity, or all)"""', "")
        start = without.index("  alertRaised(")
        without = without[:start] + without[without.index("\n", start) + 1 :]
        without = without.replace("type Subscription", '"""changed"""\ntype Subscription', 1)
        gw = hub.gateway
        assert await asyncio.to_thread(reload_once, gw, gw.config, without) == "ok"
        msg = await _next(gone)
        assert msg["type"] == "error" and msg["id"] == "a"
        assert msg["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_FIELD_REMOVED"
        await nats_server.publish(f"covenant.metric.ams.{project_id}", metric_event(project_id, 11.0))
        msg = await _next(kept)
        assert msg["type"] == "next" and msg["payload"]["data"]["metricRecorded"]["value"] == 11.0
        assert all(s.p.state.id == gw.state.id for s in hub.streams.values())  # re-planned on the new schema
        await kept.close()
        await gone.close()
    finally:
        await served.stop()
