"""Pytest fixtures for the platform's tests: one seeded in-process stack per test session.

Test modules load this as a plugin (`pytest_plugins = ["infra.testing"]`) instead of sharing a
conftest.py: conftest modules all import under the one name `conftest`, and other test
directories in this repository import names from theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest_asyncio

from infra.stack import InProcessStack, start_stack

Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest_asyncio.fixture(scope="session")
async def stack() -> AsyncIterator[InProcessStack]:
    started = await start_stack("ams")
    try:
        yield started
    finally:
        await started.stop()


@pytest_asyncio.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def gql(stack: InProcessStack, http: httpx.AsyncClient) -> Gql:
    return gql_for(stack, http)


def gql_for(stack: InProcessStack, http: httpx.AsyncClient) -> Gql:
    """POSTs to one of `stack`'s subgraphs; the body, with the response headers under `_headers`."""

    async def call(
        subgraph: str, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = await http.post(
            stack.url(subgraph), json={"query": query, "variables": variables or {}}, headers=headers or {}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        body["_headers"] = dict(response.headers)
        return body

    return call


# --- Cassandra: one three-data-centre cluster per session, and a stack whose metrics use it ---

CASSANDRA_DCS = ("emea", "apac", "americas")


@pytest_asyncio.fixture(scope="session")
async def cassandra_cluster() -> AsyncIterator[Any]:
    import shutil
    import tempfile
    import time
    from pathlib import Path

    import pytest

    from infra.cassandra import CassandraUnavailable, EmbeddedCassandra

    base = Path(tempfile.mkdtemp(prefix="charter-cassandra-"))
    cluster = EmbeddedCassandra(base, CASSANDRA_DCS)
    started = time.monotonic()
    try:
        await cluster.start()
    except CassandraUnavailable as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"no Cassandra here: {exc}")
    print(f"\n[cassandra] three-DC cluster ready in {time.monotonic() - started:.1f}s")
    try:
        yield cluster
    finally:
        await cluster.stop(graceful=False)  # its data is thrown away next
        shutil.rmtree(base, ignore_errors=True)


def cassandra_settings(cluster: Any, **extra: Any) -> dict[str, Any]:
    """Settings fields that put a stack's metrics subgraph on `cluster`."""
    return {
        "metrics_store": "cassandra",
        "cassandra_contact_points": tuple(cluster.contact_points),
        "cassandra_port": cluster.native_port,
        "cassandra_drain_interval_s": 0.0,  # tests drain explicitly (and crash in between)
        **extra,
    }


@pytest_asyncio.fixture(scope="session")
async def cassandra_stack(cassandra_cluster: Any) -> AsyncIterator[InProcessStack]:
    """Region ams (data centre emea) with its metrics on Cassandra, seeded and backfilled."""
    import time

    started_at = time.monotonic()
    started = await start_stack("ams", settings_overrides=cassandra_settings(cassandra_cluster))
    print(f"\n[cassandra] stack with backfilled metrics ready in {time.monotonic() - started_at:.1f}s")
    try:
        yield started
    finally:
        await started.stop()
