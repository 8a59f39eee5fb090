"""A failure that is nobody's input (here: the region's replica is unreachable) is reported as
INTERNAL_SERVER_ERROR without leaking driver messages; the subgraph keeps serving."""

from __future__ import annotations

import httpx

from infra.inprocess import serve_in_loop
from infra.ports import free_port
from infra.stack import InProcessStack
from subgraphs.common.app import create_app
from subgraphs.registry import schema_of
from subgraphs.settings import Settings

# The fixtures `stack`, `http` and `gql` (one seeded stack per session) live in a plugin module.
pytest_plugins = ["infra.testing"]


async def test_unreachable_replica_is_a_masked_internal_error(stack: InProcessStack) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/charter"
    settings = Settings(region="sin", primary_url=stack.cluster.primary_url(), replica_url=dead)
    served = serve_in_loop(create_app(schema_of("nations"), settings, "nations"))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            body = (await client.post(served.url, json={"query": '{ nation(code: "DE") { name } }'})).json()
            error = body["errors"][0]
            assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            assert "refused" not in error["message"].lower() and "postgres" not in error["message"].lower()
            # Bad input is still reported as such, not masked.
            body = (await client.post(served.url, json={"query": '{ nation(code: "!!") { name } }'})).json()
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            health = await client.get(served.url.replace("/graphql", "/health"))
            assert health.status_code == 200
    finally:
        await served.stop()
