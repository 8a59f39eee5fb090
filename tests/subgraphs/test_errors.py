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


async def test_an_unreachable_replica_falls_back_to_the_primary(stack: InProcessStack) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/charter"
    settings = Settings(region="sin", primary_url=stack.cluster.primary_url(), replica_url=dead)
    served = serve_in_loop(create_app(schema_of("nations"), settings, "nations"))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(served.url, json={"query": '{ nation(code: "DE") { name } }'})
            assert r.json() == {"data": {"nation": {"name": "Germany"}}}
            assert r.headers["x-charter-read-source"] == "primary"
            health = await client.get(served.url.replace("/graphql", "/health"))
            assert health.status_code == 200 and health.json()["reads"] == "primary"
    finally:
        await served.stop()


async def test_an_unreachable_database_is_a_masked_unavailable_error() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/charter"
    settings = Settings(region="sin", primary_url=dead, replica_url=None)
    served = serve_in_loop(create_app(schema_of("nations"), settings, "nations"))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            body = (await client.post(served.url, json={"query": '{ nation(code: "DE") { name } }'})).json()
            error = body["errors"][0]
            # The gateway reads this code as "ask another region" (gateway/transport/failures.py).
            assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
            assert "refused" not in error["message"].lower() and "postgres" not in error["message"].lower()
            # Bad input is still reported as such, not masked.
            body = (await client.post(served.url, json={"query": '{ nation(code: "!!") { name } }'})).json()
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    finally:
        await served.stop()
