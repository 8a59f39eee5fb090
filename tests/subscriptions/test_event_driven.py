"""Event-driven subscriptions end to end: events published to real JetStream reach a real client
(Python `gql` over graphql-transport-ws), enriched by entity fetches to the real subgraphs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from infra.inprocess import ServedApp
from tests.subscriptions.support import Nats, alert_event, hub_of, metric_event

METRIC = """
subscription Metric($id: ID) {
  metricRecorded(projectId: $id) { projectId kind value at project { id name nation { name } } }
}"""


def ws_url(gw: ServedApp) -> str:
    return f"ws://127.0.0.1:{gw.port}/graphql"


async def _first(session: Any, query: str, variables: dict[str, Any], n: int = 1) -> list[dict[str, Any]]:
    got = []
    request = gql(query)
    request.variable_values = variables
    async for result in session.subscribe(request):
        got.append(result)
        if len(got) == n:
            return got
    return got


async def test_metric_recorded_is_enriched_from_the_subgraphs(gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    hub = hub_of(gateway)
    transport = WebsocketsTransport(url=ws_url(gateway), init_payload={"Authorization": "Bearer t"})
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        task = asyncio.create_task(_first(session, METRIC, {"id": project_id}, 2))
        await asyncio.wait_for(hub.wait_until(lambda h: h.ready_streams() >= 1), 10)
        other = metric_event("999999", 1.0)  # another project: filtered out by its subject
        await nats_server.publish(f"covenant.metric.ams.{other['projectId']}", other)
        event = metric_event(project_id, 0.42)
        await nats_server.publish(f"covenant.metric.ams.{project_id}", event)
        # The same event again (a relay retry): JetStream and the gateway drop the duplicate.
        await nats_server.publish(f"covenant.metric.ams.{project_id}", event)
        second = metric_event(project_id, 0.5, kind="SPEND_USD")
        await nats_server.publish(f"covenant.metric.ams.{project_id}", second)
        results = await asyncio.wait_for(task, 10)
    first = results[0]["metricRecorded"]
    assert first["projectId"] == project_id and first["value"] == 0.42 and first["kind"] == "PROGRESS"
    assert first["at"] == event["at"]
    assert first["project"]["id"] == project_id
    assert first["project"]["name"] and first["project"]["nation"]["name"]
    assert results[1]["metricRecorded"]["kind"] == "SPEND_USD"


async def test_project_updated_and_alerts_filter_by_subject(gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    hub = hub_of(gateway)
    before = hub.ready_streams()
    transport = WebsocketsTransport(url=ws_url(gateway))
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        projects = asyncio.create_task(_first(session, "subscription { projectUpdated(region: \"ams\") { id name homeRegion } }", {}))
        alerts = asyncio.create_task(_first(
            session, "subscription { alertRaised(group: EMEA, severity: CRITICAL) { id severity group rule project { name } } }", {}
        ))
        await asyncio.wait_for(hub.wait_until(lambda h: h.ready_streams() >= before + 2), 10)
        await nats_server.publish("covenant.project.iad.1", {"eventId": "p-other", "id": "1", "region": "iad", "change": "updated", "at": "2026-01-01T00:00:00Z"})
        await nats_server.publish(f"covenant.project.ams.{project_id}", {"eventId": "p-1", "id": project_id, "region": "ams", "change": "updated", "at": "2026-01-01T00:00:00Z"})
        await nats_server.publish("alerts.emea.warning", alert_event(project_id, "EMEA", "WARNING"))
        critical = alert_event(project_id, "EMEA", "CRITICAL")
        await nats_server.publish("alerts.emea.critical", critical)
        (p,), (a,) = await asyncio.wait_for(asyncio.gather(projects, alerts), 10)
    assert p["projectUpdated"]["id"] == project_id and p["projectUpdated"]["name"]
    assert a["alertRaised"]["id"] == critical["id"] and a["alertRaised"]["severity"] == "CRITICAL"
    assert a["alertRaised"]["group"] == "EMEA" and a["alertRaised"]["project"]["name"]


@pytest.mark.parametrize("variables", [{"id": "a.b"}, {"id": ">"}])
async def test_argument_that_cannot_be_a_subject_is_bad_user_input(gateway: ServedApp, variables: dict[str, Any]) -> None:
    from gql.transport.exceptions import TransportQueryError

    transport = WebsocketsTransport(url=ws_url(gateway))
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        with pytest.raises(TransportQueryError) as info:
            await _first(session, METRIC, variables)
    assert info.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_events_of_every_frame_length_arrive_intact(gateway: ServedApp, nats_server: Nats, compression: str | None) -> None:
    """Without permessage-deflate the gateway frames events itself (the fast path); with it, the
    connection's protocol does. Either way payloads under 126 bytes, up to 64 KiB and beyond (the
    three WebSocket length encodings) reach a real client intact."""
    hub = hub_of(gateway)
    before = hub.ready_streams()
    sizes = [1, 60, 200, 70_000]
    transport = WebsocketsTransport(url=ws_url(gateway), connect_args={"compression": compression})
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        task = asyncio.create_task(_first(session, "subscription { metricRecorded { projectId value } }", {}, len(sizes)))
        await asyncio.wait_for(hub.wait_until(lambda h: h.ready_streams() >= before + 1), 10)
        for n, size in enumerate(sizes):
            event = metric_event("é" * size, float(n))  # multi-byte UTF-8: lengths are bytes
            await nats_server.publish(f"covenant.metric.ams.size{n}", event)
        results = await asyncio.wait_for(task, 20)
    assert [(r["metricRecorded"]["projectId"], r["metricRecorded"]["value"]) for r in results] == [
        ("é" * size, float(n)) for n, size in enumerate(sizes)
    ]
