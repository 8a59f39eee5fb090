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
async def cassandra_and_stack() -> AsyncIterator[tuple[Any, InProcessStack]]:
    """The cluster, and region ams (data centre emea) with its metrics on it, seeded and
    backfilled. The three nodes start while PostgreSQL starts and is seeded."""
    import asyncio
    import contextlib
    import shutil
    import tempfile
    import time
    from pathlib import Path

    import pytest

    from infra.cassandra import CassandraUnavailable, EmbeddedCassandra

    base = Path(tempfile.mkdtemp(prefix="charter-cassandra-"))
    cluster = EmbeddedCassandra(base, CASSANDRA_DCS)
    began = time.monotonic()
    starting = asyncio.create_task(cluster.start())

    async def on_cassandra() -> dict[str, Any]:
        await starting
        print(f"\n[cassandra] three-DC cluster ready in {cluster.started_in_s:.1f}s")
        return cassandra_settings(cluster)

    try:
        try:
            stack = await start_stack("ams", settings_overrides=on_cassandra)
        except CassandraUnavailable as exc:
            pytest.skip(f"no Cassandra here: {exc}")
        finally:
            if not starting.done():  # PostgreSQL failed first: stop the nodes' start too
                starting.cancel()
                with contextlib.suppress(BaseException):
                    await starting
        print(f"[cassandra] cluster and stack (seed backfilled) ready in {time.monotonic() - began:.1f}s")
        try:
            yield cluster, stack
        finally:
            await stack.stop()
    finally:
        await cluster.stop(graceful=False)  # its data is thrown away next
        shutil.rmtree(base, ignore_errors=True)


@pytest_asyncio.fixture(scope="session")
async def cassandra_cluster(cassandra_and_stack: tuple[Any, InProcessStack]) -> Any:
    return cassandra_and_stack[0]


@pytest_asyncio.fixture(scope="session")
async def cassandra_stack(cassandra_and_stack: tuple[Any, InProcessStack]) -> InProcessStack:
    return cassandra_and_stack[1]


def cassandra_settings(cluster: Any, **extra: Any) -> dict[str, Any]:
    """Settings fields that put a stack's metrics subgraph on `cluster`."""
    return {
        "metrics_store": "cassandra",
        "cassandra_contact_points": tuple(cluster.contact_points),
        "cassandra_port": cluster.native_port,
        "cassandra_drain_interval_s": 0.0,  # tests drain explicitly (and crash in between)
        **extra,
    }
