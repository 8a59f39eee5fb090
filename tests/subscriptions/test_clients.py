"""The real npm clients against the gateway: graphql-ws (WebSocket), graphql-sse (distinct
connections), @apollo/client (multipart HTTP). Each gets an enriched `metricRecorded` event, the
errors the protocol defines for a bad operation, and forwards its authorization."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from infra.inprocess import ServedApp
from tests.subscriptions.support import NODE_TOOLS, Nats, hub_of, metric_event

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(shutil.which("node") is None or not (NODE_TOOLS / "node_modules" / "graphql-sse").exists(), reason="needs node and tools/node"),
]
SCRIPT = str(Path(__file__).with_name("clients") / "subscribe.mjs")
QUERY = """subscription ($id: ID) {
  metricRecorded(projectId: $id) { projectId kind value at project { id name nation { name } } }
}"""


async def _client(mode: str, gw: ServedApp, request: dict[str, Any]) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        "node", SCRIPT, mode, f"http://127.0.0.1:{gw.port}/graphql", str(NODE_TOOLS),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(orjson.dumps(request))
    proc.stdin.close()
    return proc


async def _output(proc: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("mode", ["ws", "sse", "apollo"])
async def test_client_gets_an_enriched_metric_event(mode: str, gateway: ServedApp, nats_server: Nats, project_id: str) -> None:
    hub = hub_of(gateway)
    before = hub.subscribers()
    proc = await _client(mode, gateway, {"query": QUERY, "variables": {"id": project_id}, "count": 1, "authorization": f"Bearer {mode}"})
    # Once the gateway holds the subscription and its NATS subscription is live, publish.
    await asyncio.wait_for(hub.wait_until(lambda h: h.subscribers() > before and all(s.ready for s in h.streams.values())), 60)
    # The client's authorization is the stream's auth scope, and the headers of its entity fetches.
    assert any(("authorization", f"Bearer {mode}") in s.p.key[-1] for s in hub.streams.values())
    event = metric_event(project_id, 7.5, kind="BENEFICIARIES")
    await nats_server.publish(f"covenant.metric.ams.{project_id}", event)
    (result,) = await _output(proc)
    got = result["data"]["metricRecorded"]
    assert got["value"] == 7.5 and got["kind"] == "BENEFICIARIES" and got["projectId"] == project_id
    assert got["project"]["id"] == project_id and got["project"]["nation"]["name"]


@pytest.mark.parametrize("mode", ["ws", "sse", "apollo"])
async def test_client_sees_validation_errors(mode: str, gateway: ServedApp) -> None:
    proc = await _client(mode, gateway, {"query": "subscription { metricRecorded { nope } }"})
    (result,) = await _output(proc)
    text = orjson.dumps(result).decode()
    assert "nope" in text, text
