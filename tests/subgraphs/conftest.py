"""One seeded platform stack (embedded primary + replica, three subgraphs on real HTTP) per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest_asyncio

from infra.stack import InProcessStack, start_stack

Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest_asyncio.fixture(scope="session")
async def stack() -> AsyncIterator[InProcessStack]:
    s = await start_stack("ams")
    try:
        yield s
    finally:
        await s.stop()


@pytest_asyncio.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def gql(stack: InProcessStack, http: httpx.AsyncClient) -> Gql:
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
