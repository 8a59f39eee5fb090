"""`charter up` end to end: one query through the gateway walks nation -> projects -> metrics and
stats over 195 nations and 500+ projects; Ctrl-C stops every process it started."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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


def _dev_token(data_dir: Path, *scopes: str) -> str:
    """A token from `charter token`, signed with the key `charter up` made in its data dir."""
    args = [sys.executable, "-m", "charter", "token", "--data-dir", str(data_dir), "--ttl", "10m"]
    for scope in scopes:
        args += ["--scope", scope]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


async def _writes_need_the_scope(client: httpx.AsyncClient, url: str, data_dir: Path) -> dict[str, str]:
    """Mutations need `projects:write`: anonymous and wrongly-scoped writes run nothing."""
    before = (await client.post(url, json={"query": READ})).json()["data"]["project"]["name"]
    wrong = {"authorization": f"Bearer {_dev_token(data_dir, 'metrics:write')}"}
    for headers in ({}, wrong):
        denied = (await client.post(url, json={"query": RENAME, "variables": {"n": "intruder"}}, headers=headers)).json()
        assert denied["data"] is None, denied
        assert [e["extensions"]["code"] for e in denied["errors"]] == ["UNAUTHORIZED_FIELD_OR_TYPE"], denied
    forged = await client.post(url, json={"query": RENAME, "variables": {"n": "intruder"}}, headers={"authorization": "Bearer x.y.z"})
    assert forged.status_code == 401 and forged.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = (await client.post(url, json={"query": READ})).json()["data"]["project"]["name"]
    assert after == before != "intruder"
    return {"authorization": f"Bearer {_dev_token(data_dir, 'projects:write')}"}


async def _read_your_writes_through_the_gateway(client: httpx.AsyncClient, url: str, auth: dict[str, str]) -> None:
    """The replicas lag 500 ms: without the token a read right after a write is stale; with the
    token (forwarded by the gateway as x-charter-consistency) it never is."""
    stale_without = 0
    for i in range(3):
        name = f"gateway round {i}"
        written = await client.post(url, json={"query": RENAME, "variables": {"n": name}}, headers=auth)
        write = written.json()
        assert write["data"]["updateProject"]["name"] == name, write
        token = write["extensions"]["consistencyToken"]
        assert written.headers["x-charter-consistency"] == token  # passed through by the gateway
        read = await client.post(url, json={"query": READ}, headers={"x-charter-consistency": token})
        fresh = read.json()
        assert fresh["data"]["project"]["name"] == name, fresh
        assert read.headers["x-charter-read-source"] in ("replica", "primary")
        name = f"gateway untokened round {i}"
        await client.post(url, json={"query": RENAME, "variables": {"n": name}}, headers=auth)
        maybe_stale = (await client.post(url, json={"query": READ})).json()
        stale_without += maybe_stale["data"]["project"]["name"] != name
    assert stale_without > 0, "the replica never lagged: this check could not have failed"


async def _the_gateway_caches_in_redis(client: httpx.AsyncClient, url: str, first: dict[str, object]) -> None:
    """`charter up` starts a Redis and the gateway's entity cache: the same query again is
    answered from it (hits counted), identically."""
    metrics = url.replace("/graphql", "/metrics")

    def hits(text: str) -> float:
        m = re.search(r'^charter_cache_requests_total\{cache="entity",result="hit"\} (\S+)$', text, re.M)
        return float(m.group(1)) if m else 0.0

    before = hits((await client.get(metrics)).text)
    again = None
    for _ in range(20):  # fills are written in the background: the first repeat may miss
        again = (await client.post(url, json={"query": QUERY})).json()
        if hits((await client.get(metrics)).text) > before:
            break
    assert again == first
    assert hits((await client.get(metrics)).text) > before, "no entity cache hits through charter up"


async def _redis_dies_and_the_cache_recovers(client: httpx.AsyncClient, url: str, data_dir: Path, first: dict[str, object]) -> None:
    """The embedded Redis is supervised: killed, it is restarted on its port; meanwhile every
    answer comes from the subgraphs (0 failed requests), and after it the cache hits again."""
    metrics = url.replace("/graphql", "/metrics")

    def hits(text: str) -> float:
        m = re.search(r'^charter_cache_requests_total\{cache="entity",result="hit"\} (\S+)$', text, re.M)
        return float(m.group(1)) if m else 0.0

    def redis_unit() -> dict[str, object]:
        return next(p for p in json.loads((data_dir / "status.json").read_text())["processes"] if p["role"] == "redis")

    victim = redis_unit()
    os.kill(int(victim["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
    answered, hits_after_restart = 0, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a restart and the cache's own probe: no event to await here
        body = (await client.post(url, json={"query": QUERY})).json()
        assert body == first, body  # no request fails while Redis is gone or empty
        answered += 1
        now = hits((await client.get(metrics)).text)
        unit = redis_unit()
        if hits_after_restart is None:
            if unit["restarts"] == 1 and unit["state"] == "running":
                hits_after_restart = now
        elif now > hits_after_restart:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"the cache did not hit again after Redis restarted: {redis_unit()}")
    assert redis_unit()["pid"] != victim["pid"] and answered > 1


async def _ams_dies_and_jnb_answers(url: str, data_dir: Path, up_pid: int) -> None:
    """The gateway serves region ams; when ams's nations subgraph dies, jnb's (next in ams's
    failover order) answers, with no failed request; the supervisor restarts the dead one, and the
    gateway goes back to it once it has proven itself."""
    status = json.loads((data_dir / "status.json").read_text())
    victim = next(p for p in status["processes"] if p["name"] == "nations@ams")
    # the status file speaks of this test's own stack: the pid is one of its descendants
    assert victim["pid"] in {pid for pid, _ in _descendants(up_pid)}, victim
    os.kill(victim["pid"], signal.SIGKILL)
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(3):
            body = (await client.post(url, json={"query": '{ nation(code: "KE") { name } }'})).json()
            assert body == {"data": {"nation": {"name": "Kenya"}}}, body
        health_url = url.replace("/graphql", "/health")
        deadline = time.monotonic() + 60
        n = 0
        while time.monotonic() < deadline:  # a restart and a probe: no event to await from here
            # traffic: once a probe passes, a request is the half-open circuit's trial. A new alias
            # each time is a new selection, so the entity cache cannot answer it from an entry and
            # the request reaches a subgraph.
            n += 1
            query = f'{{ k{n}: nation(code: "KE") {{ name }} }}'
            body = (await client.post(url, json={"query": query})).json()
            assert body == {"data": {f"k{n}": {"name": "Kenya"}}}, body
            nations = (await client.get(health_url)).json()["routes"]["nations"]
            if nations[0]["region"] == "ams" and nations[0]["state"] == "closed":
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"the gateway did not return to ams: {nations}")
    restarted = json.loads((data_dir / "status.json").read_text())
    again = next(p for p in restarted["processes"] if p["name"] == "nations@ams")
    assert again["restarts"] == 1 and again["pid"] != victim["pid"], again
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


def _descendants(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below `root`: only what this test's stack started,
    whatever else runs on the machine."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name (field 2) may hold spaces; the parent pid follows its closing paren
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        found.append((pid, args))
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
            await _the_gateway_caches_in_redis(client, url, response.json())
            await _redis_dies_and_the_cache_recovers(client, url, data_dir, response.json())
            auth = await _writes_need_the_scope(client, url, data_dir)
            await _read_your_writes_through_the_gateway(client, url, auth)
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
        assert up.pid is not None
        await _ams_dies_and_jnb_answers(url, data_dir, up.pid)
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
