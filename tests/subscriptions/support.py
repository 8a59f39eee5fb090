"""Helpers for subscription tests: a real nats-server with JetStream, events published as the
events backbone publishes them (JetStream, Nats-Msg-Id = event id), and an in-process gateway."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from infra.inprocess import ServedApp, serve_in_loop
from infra.ports import free_port
from infra.processes import ManagedProcess

REPO = Path(__file__).resolve().parents[2]
RECORD = """mutation ($p: ID!, $points: [MetricPointInput!]!) {
  recordMetrics(input: {projectId: $p, points: $points}) { recorded } }"""
NODE_TOOLS = REPO / "tools" / "node"
STREAMS = {"COVENANT": ["covenant.>"], "ALERTS": ["alerts.>"]}


@dataclass
class Nats:
    url: str
    proc: ManagedProcess
    data: Path
    js: Any = None
    nc: Any = None

    async def publish(self, subject: str, payload: dict[str, Any], msg_id: str | None = None) -> None:
        """A JetStream publish, acked by the stream, as the outbox relay does it."""
        headers = {"Nats-Msg-Id": msg_id or payload.get("eventId") or str(uuid.uuid4())}
        await self.js.publish(subject, orjson.dumps(payload), headers=headers)

    async def stop(self) -> None:
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.close()
        await self.proc.stop()
        shutil.rmtree(self.data, ignore_errors=True)


async def start_nats() -> Nats:
    import nats

    data = Path(tempfile.mkdtemp(prefix="charter-nats-"))
    port = free_port()
    binary = Path(sys.executable).parent / "nats-server"
    proc = ManagedProcess(
        "nats", [str(binary), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(data / "js")],
        log_path=data / "nats.log",
    )
    await proc.start(r"Server is ready", within=30)
    server = Nats(f"nats://127.0.0.1:{port}", proc, data)
    server.nc = await nats.connect(server.url)
    server.js = server.nc.jetstream()
    for name, subjects in STREAMS.items():
        await server.js.add_stream(name=name, subjects=subjects)
    return server


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def metric_event(project_id: str, value: float, kind: str = "PROGRESS", region: str = "ams") -> dict[str, Any]:
    return {
        "eventId": str(uuid.uuid4()), "projectId": project_id, "kind": kind, "value": value,
        "at": now(), "region": region,
    }


def alert_event(project_id: str, group: str = "EMEA", severity: str = "WARNING") -> dict[str, Any]:
    return {
        "eventId": str(uuid.uuid4()), "id": str(uuid.uuid4()), "projectId": project_id, "group": group,
        "severity": severity, "rule": "spend_over_budget", "message": "spend is over budget", "at": now(),
    }


def serve_gateway(supergraph: Path, nats_url: str, **config: Any) -> ServedApp:
    from gateway.config import GatewayConfig
    from gateway.http.app import create_app

    return serve_in_loop(create_app(GatewayConfig(supergraph=str(supergraph), nats_url=nats_url, **config)))


def hub_of(served: ServedApp) -> Any:
    """The gateway's subscription hub (the app is wrapped by the POST dispatcher)."""
    return served.app.app.state.subscriptions


async def record_metric(gw: ServedApp, keys: Path, project_id: str, value: float, kind: str = "BENEFICIARIES") -> str:
    """Records one point through the gateway's `recordMetrics` mutation, with a `metrics:write`
    token minted from `keys`, on the project's start date (inside its window); returns the date."""
    import httpx

    from infra.devkey import mint

    token = mint(keys, ["metrics:write"], subject="outbox-test")
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(
            f"http://127.0.0.1:{gw.port}/graphql",
            json={"query": "query($id: ID!) { project(id: $id) { startDate } }", "variables": {"id": project_id}},
        )
        day = r.json()["data"]["project"]["startDate"]
        points = [{"kind": kind, "value": value, "at": f"{day}T12:00:00Z"}]
        r = await client.post(
            f"http://127.0.0.1:{gw.port}/graphql", json={"query": RECORD, "variables": {"p": project_id, "points": points}},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = r.json()
    assert r.status_code == 200 and "errors" not in body, body
    assert body["data"]["recordMetrics"]["recorded"] == 1
    return str(day)
