"""The app's side: two real WatermelonDB clients (npm @nozbe/watermelondb, LokiJS adapter, in Node)
sync through `charter gateway` in front of the real subgraphs on real PostgreSQL. They edit
offline, sync, meet a conflict and a lost push response, converge with the server, and nothing is
lost or applied twice (checked in the database too)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sync_support import TOKEN_ENV

from infra.devkey import ensure_dev_key, mint
from infra.platform import wait_healthy
from infra.ports import free_port
from infra.processes import ManagedProcess
from infra.stack import InProcessStack, start_stack
from subgraphs.db.urls import plain_url
from subgraphs.supergraph import compose_supergraph

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("watermelon_sync.mjs")
WATERMELON = ROOT / "tools/node/node_modules/@nozbe/watermelondb"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(shutil.which("node") is None or not WATERMELON.exists(), reason="needs node and tools/node"),
]


@contextlib.asynccontextmanager
async def running_platform() -> AsyncIterator[tuple[InProcessStack, str]]:
    """A seeded stack of its own (the clients edit seeded projects) behind `charter gateway`."""
    stack = await start_stack("ams")
    workdir = Path(tempfile.mkdtemp(prefix="charter-sync-"))
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(compose_supergraph({name: stack.url(name) for name in stack.served}))
    port = free_port()
    jwks = ensure_dev_key(workdir)  # the gateway trusts this key; pushes carry a token signed by it
    os.environ[TOKEN_ENV] = mint(workdir, ["projects:write", "metrics:write"], subject="sync-test")
    gateway = ManagedProcess(
        "gateway",
        [sys.executable, "-m", "charter", "gateway", "--supergraph", str(supergraph), "--host", "127.0.0.1",
         "--port", str(port), "--jwks", str(jwks)],
        log_path=workdir / "gateway.log",
    )
    try:
        await gateway.start(None)
        await wait_healthy(f"http://127.0.0.1:{port}/health", gateway, within=60)
        yield stack, f"http://127.0.0.1:{port}/graphql"
    finally:
        os.environ.pop(TOKEN_ENV, None)
        await gateway.stop()
        await stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest_asyncio.fixture(scope="module")
async def platform() -> AsyncIterator[tuple[InProcessStack, str]]:
    async with running_platform() as started:
        yield started


async def test_two_offline_clients_converge_through_the_gateway(platform: tuple[InProcessStack, str]) -> None:
    stack, url = platform
    proc = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=240)
    assert proc.returncode == 0, f"the WatermelonDB clients failed:\n{err.decode()[-4000:]}"
    report = json.loads(out.decode().strip().splitlines()[-1])
    print(f"\nWatermelonDB sync: {report['steps']}\n  first sync {report['first']} in {report['firstSyncMs']} ms,"
          f" clients {report['clients']}")

    assert report["steps"][-1] == "converged"  # both clients equal the server, table by table
    # WatermelonDB reports what it finds odd in a pull (a `created` record it has, an `updated` one
    # it lacks): nothing here, a lost response and a conflict included.
    diagnostics = [line for line in err.decode().splitlines() if "[Sync]" in line]
    assert diagnostics == [], diagnostics[:5]
    assert report["first"]["nations"] == 195 and report["first"]["projects"] >= 500
    final = report["final"]
    assert final["projects"] == report["first"]["projects"] + 2  # A's and the shared one; B's was deleted
    assert final["aProjectPoints"] == 2, "A's points were applied twice (or lost) after the lost response"
    assert final["beneficiaries"] == 1
    assert final["points"] == report["first"]["points"] + 2 + 1
    assert final["aProject"][0]["name"] == "Solar pumps" and final["aProject"][0]["end_date"] == "2027-03-01"
    # The shared project: A's progress, B's status, and the server's rename B conflicted with.
    shared = final["shared"]
    assert (shared["name"], shared["progress"], shared["status"]) == ("Shared clinic (server)", 0.4, "paused"), shared
    assert final["seeded"] == {"prj-ams-001": "Renamed by A", "prj-ams-003": 7777777}
    assert final["doomed"]["projects"] == 0 and final["doomed"]["points"] == 0
    assert report["clients"]["client-b"]["conflicts"] == 1

    conn = await asyncpg.connect(plain_url(stack.cluster.primary_url()))
    try:
        assert await conn.fetchval("SELECT count(*) FROM projects WHERE id = $1", final["aProject"][0]["id"]) == 1
        assert await conn.fetchval("SELECT count(*) FROM metric_points WHERE project_id = $1", final["aProject"][0]["id"]) == 2
        tombstones = await conn.fetch("SELECT table_name, record_id FROM sync_tombstones WHERE record_id = $1", final["doomed"]["id"])
        assert [tuple(t) for t in tombstones] == [("projects", final["doomed"]["id"])]
        # The point A recorded offline on the deleted project was dropped, with a tombstone for A.
        dropped = await conn.fetchval("SELECT count(*) FROM sync_tombstones WHERE table_name = 'metric_points' AND created_ms = 0")
        assert dropped == 1
    finally:
        await conn.close()
