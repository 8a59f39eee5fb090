"""Pytest fixtures: a real nats-server with JetStream on a free loopback port, store in a temp dir.

Load as a plugin (`pytest_plugins = ["infra.testing_nats"]`). `nats_server` is one server per test
session; tests that stop or restart NATS use `fresh_nats_server` (their own) or `embedded_nats()`.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from infra.nats import NatsServer, single_server


@contextlib.asynccontextmanager
async def embedded_nats(name: str = "nats") -> AsyncIterator[NatsServer]:
    base = Path(tempfile.mkdtemp(prefix="charter-nats-"))
    server = single_server(base, name)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest_asyncio.fixture(scope="session")
async def nats_server() -> AsyncIterator[NatsServer]:
    async with embedded_nats() as server:
        yield server


@pytest_asyncio.fixture
async def fresh_nats_server() -> AsyncIterator[NatsServer]:
    async with embedded_nats() as server:
        yield server
