"""Session fixtures for subscription tests: seeded stack (real Postgres and subgraphs), real NATS,
and one gateway composed over them with the SDL-only events subgraph; per module, a gateway that
trusts a dev key, with the stack's outbox relay publishing to that NATS (`live`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from gateway.auth.config import AuthConfig
from infra.devkey import ISSUER, ensure_dev_key
from infra.inprocess import ServedApp
from infra.stack import InProcessStack
from infra.testing import http, stack  # noqa: F401  (fixtures used by name)
from tests.events.harness import event_settings, running_relay
from tests.subscriptions.support import Nats, serve_gateway, start_nats


@pytest_asyncio.fixture(scope="session")
async def nats_server() -> AsyncIterator[Nats]:
    server = await start_nats()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def supergraph_file(stack: InProcessStack, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    from subgraphs.supergraph import compose_supergraph

    path = tmp_path_factory.mktemp("supergraph") / "supergraph.graphql"
    path.write_text(compose_supergraph({name: stack.url(name) for name in stack.served}))
    return path


@pytest_asyncio.fixture(scope="session")
async def gateway(supergraph_file: Path, nats_server: Nats) -> AsyncIterator[ServedApp]:
    served = serve_gateway(supergraph_file, nats_server.url, max_subscriptions_per_connection=5)
    try:
        yield served
    finally:
        await served.stop()


@pytest_asyncio.fixture(scope="session")
async def project_id(gateway: ServedApp) -> str:
    import httpx

    async with httpx.AsyncClient() as client:
        r = await client.post(f"http://127.0.0.1:{gateway.port}/graphql", json={"query": "{ projects(first: 1) { edges { node { id name } } } }"})
    return str(r.json()["data"]["projects"]["edges"][0]["node"]["id"])


@pytest.fixture(scope="module")
def keys() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="charter-outbox-keys-"))
    ensure_dev_key(path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest_asyncio.fixture(scope="module")
async def live(
    stack: InProcessStack, supergraph_file: Path, nats_server: Nats, keys: Path  # noqa: F811
) -> AsyncIterator[ServedApp]:
    """A gateway that trusts the key, and the outbox relay of the stack's database publishing to
    the NATS server the gateway reads: a mutation's event reaches subscribers as in production."""
    auth = AuthConfig(jwks=(str(keys / "dev-jwks.json"),), issuer=ISSUER)
    gw = serve_gateway(supergraph_file, nats_server.url, auth=auth)
    settings = event_settings([nats_server.url], poll_s=60.0)
    try:
        async with running_relay(stack.cluster.primary_url(), settings, name="outbox-to-clients"):
            yield gw
    finally:
        await gw.stop()
