"""The gateway reads event-driven subscriptions from JetStream: when its connection to NATS drops,
the events stored while it was away still reach the subscribers once it is back (a core NATS
subscription would lose them), each once, in order; and all subscriptions on one stream share one
consumer on the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from gateway.subscriptions.jetstream import subject_matches
from infra.inprocess import ServedApp
from infra.latency import LatencyProxy
from tests.subscriptions.support import Nats, hub_of, metric_event, serve_gateway

METRIC = "subscription M($id: ID) { metricRecorded(projectId: $id) { projectId value project { name } } }"


@pytest_asyncio.fixture
async def proxied(supergraph_file: Path, nats_server: Nats) -> AsyncIterator[tuple[ServedApp, LatencyProxy]]:
    host, port = nats_server.url.removeprefix("nats://").split(":")
    proxy = LatencyProxy(host, int(port), 0.0)
    await proxy.start()
    gw = serve_gateway(supergraph_file, f"nats://127.0.0.1:{proxy.port}")
    try:
        yield gw, proxy
    finally:
        await gw.stop()
        await proxy.stop()


async def _collect(session: Any, variables: dict[str, Any], into: asyncio.Queue[dict[str, Any]]) -> None:
    request = gql(METRIC)
    request.variable_values = variables
    async for result in session.subscribe(request):
        into.put_nowait(result["metricRecorded"])


async def _take(queue: asyncio.Queue[dict[str, Any]], n: int) -> list[float]:
    return [(await queue.get())["value"] for _ in range(n)]


async def _consumers(nats_server: Nats, stream: str) -> int:
    info = await nats_server.js.stream_info(stream)
    return int(info.state.consumer_count)


async def test_events_stored_while_disconnected_are_delivered(
    proxied: tuple[ServedApp, LatencyProxy], nats_server: Nats, project_id: str
) -> None:
    gw, proxy = proxied
    hub = hub_of(gw)
    before = await _consumers(nats_server, "COVENANT")
    got: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    everything: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    transport = WebsocketsTransport(url=f"ws://127.0.0.1:{gw.port}/graphql")
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        one = asyncio.create_task(_collect(session, {"id": project_id}, got))
        # A second, different subscription on the same stream (every project): the same consumer.
        every = asyncio.create_task(_collect(session, {}, everything))
        await asyncio.wait_for(hub.wait_until(lambda h: h.ready_streams() >= 2), 20)
        assert await _consumers(nats_server, "COVENANT") == before + 1

        subject = f"covenant.metric.ams.{project_id}"
        await nats_server.publish(subject, metric_event(project_id, 1.0))
        assert await asyncio.wait_for(_take(got, 1), 10) == [1.0]
        assert await asyncio.wait_for(_take(everything, 1), 10) == [1.0]

        await proxy.stop()  # the gateway loses NATS; the stream keeps what is published meanwhile
        for value in (2.0, 3.0):
            await nats_server.publish(subject, metric_event(project_id, value))
        await proxy.start()  # same port: the client reconnects and the consumer resumes

        await nats_server.publish(subject, metric_event(project_id, 4.0))
        assert await asyncio.wait_for(_take(got, 3), 30) == [2.0, 3.0, 4.0]
        assert await asyncio.wait_for(_take(everything, 3), 30) == [2.0, 3.0, 4.0]
        one.cancel()
        every.cancel()
    assert got.empty() and everything.empty()  # each once


def test_subject_matching_follows_nats_wildcards() -> None:
    assert subject_matches("covenant.metric.*.*", "covenant.metric.ams.7")
    assert not subject_matches("covenant.metric.*.*", "covenant.metric.ams")
    assert not subject_matches("covenant.metric.*", "covenant.metric.ams.7")
    assert subject_matches("covenant.>", "covenant.metric.ams.7")
    assert not subject_matches("covenant.>", "covenant")
    assert subject_matches("alerts.emea.critical", "alerts.emea.critical")
    assert not subject_matches("alerts.emea.critical", "alerts.emea.warning")
