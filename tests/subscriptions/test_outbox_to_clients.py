"""The whole live path, once per real client: a `recordMetrics` mutation through the gateway (with a
token carrying `metrics:write`) commits the points and their outbox rows in one transaction; the
outbox relay publishes them to JetStream; the gateway's event-driven subscription reads the stream
and enriches the event from the projects and nations subgraphs; each client gets it.

Clients: npm graphql-ws (WebSocket), graphql-sse (distinct connections), @apollo/client (multipart
HTTP) and Python gql (websockets)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from infra.inprocess import ServedApp
from tests.subscriptions.support import NODE_TOOLS, hub_of, record_metric

SCRIPT = str(Path(__file__).with_name("clients") / "subscribe.mjs")
QUERY = """subscription ($id: ID) {
  metricRecorded(projectId: $id) { projectId kind value at project { id name nation { name } } }
}"""
NODE = shutil.which("node") is not None and (NODE_TOOLS / "node_modules" / "graphql-sse").exists()


async def _node_client(mode: str, gw: ServedApp, project_id: str) -> list[dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        "node", SCRIPT, mode, f"http://127.0.0.1:{gw.port}/graphql", str(NODE_TOOLS),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(orjson.dumps({"query": QUERY, "variables": {"id": project_id}, "count": 1}))
    proc.stdin.close()
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0, err.decode()
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]


async def _gql_client(gw: ServedApp, project_id: str) -> list[dict[str, Any]]:
    transport = WebsocketsTransport(url=f"ws://127.0.0.1:{gw.port}/graphql")
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        request = gql(QUERY)
        request.variable_values = {"id": project_id}
        async for result in session.subscribe(request):
            return [{"data": result}]
    return []


@pytest.mark.parametrize("mode", [
    pytest.param("ws", marks=pytest.mark.node), pytest.param("sse", marks=pytest.mark.node),
    pytest.param("apollo", marks=pytest.mark.node), "gql",
])
async def test_a_recorded_metric_reaches_the_client_enriched(
    mode: str, live: ServedApp, keys: Path, project_id: str
) -> None:
    if mode != "gql" and not NODE:
        pytest.fail("the npm clients are missing: run `make setup` (tools/node)")
    hub = hub_of(live)
    before = hub.subscribers()
    client = asyncio.create_task(_gql_client(live, project_id) if mode == "gql" else _node_client(mode, live, project_id))
    await asyncio.wait_for(
        hub.wait_until(lambda h: h.subscribers() > before and all(s.ready for s in h.streams.values())), 60
    )
    value = {"ws": 11.0, "sse": 12.0, "apollo": 13.0, "gql": 14.0}[mode]
    day = await record_metric(live, keys, project_id, value)
    (result,) = await asyncio.wait_for(client, 60)
    got = result["data"]["metricRecorded"]
    assert got["projectId"] == project_id and got["kind"] == "BENEFICIARIES" and got["value"] == value
    assert got["at"].startswith(f"{day}T12:00:00")
    assert got["project"]["id"] == project_id and got["project"]["name"] and got["project"]["nation"]["name"]
