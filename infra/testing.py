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
