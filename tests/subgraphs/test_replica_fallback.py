"""A read replica that is down, or lags beyond its bound, serves no reads: the primary does, with
no failed request, `x-charter-read-source: primary`, and `/health` says so; once the replica is back
(and caught up) reads return to it. A replica found behind the primary when the subgraph starts
serves nothing until it has caught up or is within the bound. Real primary and streaming replica (embedded PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest_asyncio

from infra.inprocess import ServedApp, serve_in_loop, wait_started
from infra.stack import InProcessStack, start_stack
from subgraphs.common.app import create_app
from subgraphs.registry import schema_of
from subgraphs.settings import Settings

DELAY_MS = 1500  # the replica applies WAL this late
UPDATE = 'mutation($n: String!) { updateProject(id: "prj-ams-007", input: {name: $n}) { name } }'
READ = '{ project(id: "prj-ams-007") { name } }'


@pytest_asyncio.fixture(scope="module")
async def stack() -> AsyncIterator[InProcessStack]:
    s = await start_stack("ams", apply_delay_ms=DELAY_MS)
    try:
        yield s
    finally:
        await s.stop()


def _settings(stack: InProcessStack) -> Settings:
    return Settings(
        region="ams", primary_url=stack.cluster.primary_url(), replica_url=stack.cluster.replica_url("ams"),
        consistency_wait_ms=0, max_replica_lag_ms=400,
    )


@pytest_asyncio.fixture
async def projects(stack: InProcessStack) -> AsyncIterator[ServedApp]:
    served = serve_in_loop(create_app(schema_of("projects"), _settings(stack), "projects"))
    try:
        await wait_started([served])
        async with httpx.AsyncClient(timeout=10) as client:
            await _eventually(lambda: _reads_from(client, served, "replica"))  # the seed replayed (1.5 s late)
        yield served
    finally:
        await served.stop()


async def _eventually(check: Callable[[], object], within: float = 15.0) -> None:
    """The monitor's checks have no event to await: bounded polling."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[misc]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {within}s")


async def _health(client: httpx.AsyncClient, served: ServedApp) -> dict[str, object]:
    return (await client.get(served.url.replace("/graphql", "/health"))).json()  # type: ignore[no-any-return]


async def _reads_from(client: httpx.AsyncClient, served: ServedApp, source: str) -> bool:
    return (await _health(client, served))["reads"] == source


async def test_a_replica_behind_at_start_serves_no_reads_until_it_catches_up(stack: InProcessStack) -> None:
    """Its lag has no known start, so "lag 0" would be a guess: the start waits, and the lag so
    measured passes the bound, as the replica replays nothing. Before this, the first reads of a
    subgraph started just after the seed went to a replica without the tables (CI saw
    `relation "projects" does not exist`)."""
    replica = await asyncpg.connect(stack.cluster.replica_url("ams"))
    try:
        await replica.execute("SELECT pg_wal_replay_pause()")
        async with httpx.AsyncClient(timeout=10) as client:
            name = f"behind {time.time()}"
            write = await client.post(stack.url("projects"), json={"query": UPDATE, "variables": {"n": name}})
            assert write.json()["data"]["updateProject"]["name"] == name
            served = serve_in_loop(create_app(schema_of("projects"), _settings(stack), "projects"))
            try:
                await wait_started([served])
                r = await client.post(served.url, json={"query": READ})
                assert r.json()["data"] == {"project": {"name": name}}, r.json()  # fresh: the primary's
                assert r.headers["x-charter-read-source"] == "primary"
                health = await _health(client, served)
                assert health["reads"] == "primary" and "lags" in str(health["replica"]["reason"]), health  # type: ignore[index]
                await replica.execute("SELECT pg_wal_replay_resume()")
                await _eventually(lambda: _reads_from(client, served, "replica"))
                r = await client.post(served.url, json={"query": READ})
                assert r.json()["data"] == {"project": {"name": name}}, r.json()
                assert r.headers["x-charter-read-source"] == "replica"
            finally:
                await served.stop()
    finally:
        await replica.execute("SELECT pg_wal_replay_resume()")
        await replica.close()


async def test_a_dead_replica_sends_reads_to_the_primary(stack: InProcessStack, projects: ServedApp) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.post(projects.url, json={"query": READ})
        assert first.headers["x-charter-read-source"] == "replica" and "errors" not in first.json()
        await stack.cluster.replicas["ams"].stop()
        try:
            for _ in range(5):  # not one failed read: the first one falls back by itself
                r = await client.post(projects.url, json={"query": READ})
                assert "errors" not in r.json(), r.json()
                assert r.json()["data"]["project"]["name"]
                assert r.headers["x-charter-read-source"] == "primary"
            health = await _health(client, projects)
            assert health["status"] == "degraded" and health["reads"] == "primary", health
            assert health["replica"]["ok"] is False  # type: ignore[index]
        finally:
            await stack.cluster.replicas["ams"].start()

        async def back() -> bool:
            return (await _health(client, projects))["reads"] == "replica"

        await _eventually(back)
        r = await client.post(projects.url, json={"query": READ})
        assert r.headers["x-charter-read-source"] == "replica"


async def test_a_lagging_replica_sends_reads_to_the_primary_until_it_catches_up(projects: ServedApp) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        name = f"lag {time.time()}"
        write = (await client.post(projects.url, json={"query": UPDATE, "variables": {"n": name}})).json()
        assert write["data"]["updateProject"]["name"] == name

        async def lagging() -> bool:
            h = await _health(client, projects)
            return h["reads"] == "primary" and "lags" in str(h["replica"]["reason"])  # type: ignore[index]

        await _eventually(lagging, within=DELAY_MS / 1000)
        r = await client.post(projects.url, json={"query": READ})
        assert r.json()["data"]["project"]["name"] == name  # the primary: fresh, not stale
        assert r.headers["x-charter-read-source"] == "primary"

        async def caught_up() -> bool:
            return (await _health(client, projects))["reads"] == "replica"

        await _eventually(caught_up)


async def test_several_writes_in_one_request_return_the_highest_token(projects: ServedApp) -> None:
    two = (
        'mutation { a: updateProject(id: "prj-ams-007", input: {name: "one"}) { name } '
        'b: updateProject(id: "prj-ams-007", input: {name: "two"}) { name } }'
    )
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(projects.url, json={"query": two})
        body = r.json()
        assert body["data"] == {"a": {"name": "one"}, "b": {"name": "two"}}, body
        token = body["extensions"]["consistencyToken"]
        assert r.headers["x-charter-consistency"] == token
        after = await stack_token(client, projects)
        assert _lsn(token) <= _lsn(after)


async def stack_token(client: httpx.AsyncClient, served: ServedApp) -> str:
    r = await client.post(served.url, json={"query": UPDATE, "variables": {"n": "three"}})
    return str(r.json()["extensions"]["consistencyToken"])


def _lsn(token: str) -> int:
    hi, lo = token.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)
