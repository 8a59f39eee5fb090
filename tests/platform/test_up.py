"""`charter up` end to end: one query through the gateway walks nation -> projects -> metrics and
stats over 195 nations and 500+ projects; Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

import httpx

from infra.ports import free_port
from infra.processes import ManagedProcess

QUERY = """{
  nation(code: "KE") { name capital population gdpUsd contributionUsd
    stats { projects activeProjects budgetUsd }
    metrics(kind: SPEND_USD, bucket: YEAR) { start sum }
    projects(first: 3) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id name status nation { name } metrics(kind: PROGRESS, bucket: YEAR) { start value } } } } }
  nations(first: 0) { totalCount }
  projects(first: 0) { totalCount }
  globalCovenantStats { nations projects activeProjects contributionsUsd covenantBudgetUsd }
  regionStats(group: EMEA) { regions nations projects }
}"""


RENAME = 'mutation($n: String!) { updateProject(id: "prj-sin-004", input: {name: $n}) { name } }'
READ = '{ project(id: "prj-sin-004") { name } }'


async def _read_your_writes_through_the_gateway(client: httpx.AsyncClient, url: str) -> None:
    """The replicas lag 500 ms: without the token a read right after a write is stale; with the
    token (forwarded by the gateway as x-charter-consistency) it never is."""
    stale_without = 0
    for i in range(3):
        name = f"gateway round {i}"
        write = (await client.post(url, json={"query": RENAME, "variables": {"n": name}})).json()
        assert write["data"]["updateProject"]["name"] == name, write
        token = write["extensions"]["consistencyToken"]
        fresh = (await client.post(url, json={"query": READ}, headers={"x-charter-consistency": token})).json()
        assert fresh["data"]["project"]["name"] == name, fresh
        name = f"gateway untokened round {i}"
        await client.post(url, json={"query": RENAME, "variables": {"n": name}})
        maybe_stale = (await client.post(url, json={"query": READ})).json()
        stale_without += maybe_stale["data"]["project"]["name"] != name
    assert stale_without > 0, "the replica never lagged: this check could not have failed"


async def _ams_dies_and_jnb_answers(url: str, data_dir: Path) -> None:
    """The gateway serves region ams; when ams's nations subgraph dies, jnb's (next in ams's
    failover order) answers, with no failed request."""
    victims = [pid for pid, args in _pids_mentioning("--region ams") if " subgraph nations " in args]
    assert len(victims) == 1, victims
    os.kill(victims[0], signal.SIGKILL)
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(3):
            body = (await client.post(url, json={"query": '{ nation(code: "KE") { name } }'})).json()
            assert body == {"data": {"nation": {"name": "Kenya"}}}, body
        health = (await client.get(url.replace("/graphql", "/health"))).json()
    nations = health["routes"]["nations"]
    assert nations[0]["healthy"] and not nations[1]["healthy"], nations
    assert (data_dir / "routing-ams.yaml").is_file()


async def _subscription_through_the_gateway(url: str, log: str) -> None:
    """`charter up --nats` hands NATS to the gateway: an event on a metric subject reaches a
    WebSocket subscriber, enriched from the projects subgraph; the dashboard link is printed."""
    import asyncio

    import nats
    import orjson
    from websockets.asyncio.client import connect

    assert re.search(r"Dashboard: http://127\.0\.0\.1:\d+/dashboard", log), log
    nats_url = re.search(r"NATS with JetStream at (nats://\S+)", log)
    assert nats_url, log
    query = 'subscription { metricRecorded(projectId: "prj-sin-004") { value project { id status } } }'
    async with connect(url.replace("http", "ws"), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send('{"type":"connection_init"}')
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}).decode())
        nc = await nats.connect(nats_url.group(1))
        try:
            event = {"eventId": "up-1", "projectId": "prj-sin-004", "kind": "PROGRESS", "value": 0.25,
                     "at": "2026-01-01T00:00:00Z", "region": "sin"}
            # The gateway's NATS subscription starts after `subscribe`: publish until it is there.
            for _ in range(50):
                await nc.publish("covenant.metric.sin.prj-sin-004", orjson.dumps(event))
                try:
                    msg = orjson.loads(await asyncio.wait_for(ws.recv(), 0.2))
                    break
                except TimeoutError:
                    continue
        finally:
            await nc.close()
    got = msg["payload"]["data"]["metricRecorded"]
    assert got["value"] == 0.25 and got["project"]["id"] == "prj-sin-004" and got["project"]["status"]


def _pids_mentioning(text: str) -> list[tuple[int, str]]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append((int(cmdline.parent.name), args))
    return found


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if text in args:
            found.append(args)
    return found


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def test_charter_up_serves_the_platform_and_stops_cleanly() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="charter-up-test-"))
    port, base = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    up = ManagedProcess(
        "charter-up",
        [sys.executable, "-m", "charter", "up", "--regions", "ams,jnb", "--port", str(port),
         "--subgraph-base-port", str(base), "--data-dir", str(data_dir), "--replica-delay-ms", "500", "--nats"],
        env=env, log_path=data_dir / "up.log", stop_signal=signal.SIGINT,
    )
    try:
        await up.start(r"GraphiQL: http://127\.0\.0\.1:\d+/graphql", within=180)
        url = f"http://127.0.0.1:{port}/graphql"
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(url, json={"query": QUERY})
            await _read_your_writes_through_the_gateway(client, url)
        await _subscription_through_the_gateway(url, up.log_path.read_text())
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data = body["data"]
        assert data["nations"]["totalCount"] == 195
        assert data["projects"]["totalCount"] >= 500
        kenya = data["nation"]
        assert kenya["name"] == "Kenya" and kenya["stats"]["projects"] == kenya["projects"]["totalCount"]
        for edge in kenya["projects"]["edges"]:
            assert edge["node"]["nation"]["name"] == "Kenya" and edge["node"]["metrics"] is not None
        world = data["globalCovenantStats"]
        assert world["nations"] == 195 and world["projects"] >= 500
        assert sorted(data["regionStats"]["regions"]) == ["ams", "jnb"]
        await _ams_dies_and_jnb_answers(url, data_dir)
        await up.stop(within=60)
        log = up.log_path.read_text()
        assert "charter up: stopped" in log, log
        subgraph_ports = [int(p) for p in re.findall(r"@(?:ams|jnb) at http://127\.0\.0\.1:(\d+)/graphql", log)]
        assert len(subgraph_ports) == 6, log
        assert all(_port_closed(p) for p in (port, *subgraph_ports))
        assert _processes_mentioning(str(data_dir)) == [], "charter up left processes behind"
    finally:
        await up.stop(within=60)
        shutil.rmtree(data_dir, ignore_errors=True)
