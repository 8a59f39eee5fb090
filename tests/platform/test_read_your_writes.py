"""Read-your-writes against a real primary and a streaming replica that applies WAL 500 ms late.

With the consistency token a mutation returns, 200 write-then-read rounds see 0 stale reads.
Without it, reads go to the lagging replica and stale reads are observed: the test can fail.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from infra.inprocess import serve_in_loop
from infra.stack import InProcessStack, start_stack
from subgraphs.common.app import create_app
from subgraphs.db.consistency import lsn_int
from subgraphs.registry import schema_of
from subgraphs.settings import Settings

DELAY_MS = 500
WAIT_MS = 50  # how long a tokened read waits for the replica before going to the primary
UPDATE = 'mutation($n: String!) { updateProject(id: "prj-ams-007", input: {name: $n}) { name } }'
READ = '{ project(id: "prj-ams-007") { name } }'
HEADER = "x-charter-consistency"


@pytest_asyncio.fixture(scope="module")
async def lagging() -> AsyncIterator[InProcessStack]:
    stack = await start_stack("ams", apply_delay_ms=DELAY_MS, consistency_wait_ms=WAIT_MS)
    try:
        yield stack
    finally:
        await stack.stop()


async def _rounds(client: httpx.AsyncClient, url: str, rounds: int, tag: str, send_token: bool) -> tuple[int, list[float], set[str]]:
    stale = 0
    read_ms: list[float] = []
    sources: set[str] = set()
    for i in range(rounds):
        name = f"{tag} round {i}"
        write = await client.post(url, json={"query": UPDATE, "variables": {"n": name}})
        body = write.json()
        assert body["data"]["updateProject"]["name"] == name, body
        token = body["extensions"]["consistencyToken"]
        headers = {HEADER: token} if send_token else {}
        started = time.perf_counter()
        read = await client.post(url, json={"query": READ}, headers=headers)
        read_ms.append((time.perf_counter() - started) * 1000)
        sources.add(read.headers["x-charter-read-source"])
        if read.json()["data"]["project"]["name"] != name:
            stale += 1
    return stale, read_ms, sources


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def test_token_gives_zero_stale_reads_and_no_token_shows_staleness(lagging: InProcessStack) -> None:
    url = lagging.url("projects")
    async with httpx.AsyncClient(timeout=30) as client:
        stale_with, with_ms, with_sources = await _rounds(client, url, 200, "with", send_token=True)
        stale_without, without_ms, without_sources = await _rounds(client, url, 50, "without", send_token=False)
    print(
        f"\nread-your-writes: replica delay {DELAY_MS} ms, wait bound {WAIT_MS} ms\n"
        f"  with token:    {stale_with}/200 stale, read p50 {_p(with_ms, 50):.1f} ms p95 {_p(with_ms, 95):.1f} ms"
        f" (served by {sorted(with_sources)})\n"
        f"  without token: {stale_without}/50 stale, read p50 {_p(without_ms, 50):.1f} ms p95 {_p(without_ms, 95):.1f} ms"
        f" (served by {sorted(without_sources)})"
    )
    assert stale_with == 0
    assert stale_without > 0, "the replica was never behind: this test could not have failed"
    assert without_sources == {"replica"}


async def test_token_read_uses_the_replica_once_it_caught_up(lagging: InProcessStack) -> None:
    """With a wait bound longer than the lag, the tokened read waits and is served by the replica."""
    settings = Settings(
        region="ams",
        primary_url=lagging.cluster.primary_url(),
        replica_url=lagging.cluster.replica_url("ams"),
        consistency_wait_ms=DELAY_MS * 4,
    )
    patient = serve_in_loop(create_app(schema_of("projects"), settings, "projects"))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            stale, read_ms, sources = await _rounds(client, patient.url, 3, "patient", send_token=True)
        assert stale == 0
        assert sources == {"replica"}
        assert min(read_ms) >= DELAY_MS * 0.5  # it did wait for the replay
    finally:
        await patient.stop()


async def test_a_read_reports_a_position_it_reflects_and_never_past_what_it_saw(lagging: InProcessStack) -> None:
    """`extensions.readPosition` (what the gateway stamps cache entries with) is a lower bound: a
    read stamped at or past a write's token shows that write. A stale read from the lagging replica
    must therefore be stamped before the token, and a read with the token at or past it."""
    url = lagging.url("projects")
    stamped = stale_seen = 0
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(30):
            name = f"stamp round {i}"
            write = (await client.post(url, json={"query": UPDATE, "variables": {"n": name}})).json()
            assert "readPosition" not in write["extensions"], "a write's answer is no cache entry"
            token = lsn_int(write["extensions"]["consistencyToken"])
            assert token is not None
            plain = (await client.post(url, json={"query": READ})).json()
            position = plain.get("extensions", {}).get("readPosition")
            if position is not None:
                stamped += 1
                fresh = plain["data"]["project"]["name"] == name
                stale_seen += not fresh
                seen = lsn_int(position)
                assert seen is not None, position
                if seen >= token:
                    assert fresh, f"stamped {position}, past the write's token, but stale"
            tokened = await client.post(url, json={"query": READ}, headers={HEADER: write["extensions"]["consistencyToken"]})
            body = tokened.json()
            assert body["data"]["project"]["name"] == name
            at = lsn_int(body["extensions"]["readPosition"])
            assert at is not None and at >= token
    assert stamped >= 20, "the replica monitor never gave tokenless reads a position"
    assert stale_seen > 0, "the replica was never behind: this test could not have failed"
