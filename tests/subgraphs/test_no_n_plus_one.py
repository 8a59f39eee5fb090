"""No N+1: a deep nation -> projects -> metrics query costs a small constant number of SQL
statements, whatever the number of nations, through a real federation gateway and by hand."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.ports import free_port
from infra.processes import ManagedProcess
from infra.stack import InProcessStack
from infra.testing import Gql
from subgraphs.supergraph import compose_supergraph

# The fixtures `stack`, `http` and `gql` (one seeded stack per session) live in a plugin module.
pytest_plugins = ["infra.testing"]

ROOT = Path(__file__).resolve().parents[2]
DEEP = """query($n: Int!) { nations(first: $n) { totalCount edges { node { code name contributionUsd
  stats { projects activeProjects }
  metrics(kind: SPEND_USD, bucket: YEAR) { start sum }
  projects(first: 5) { totalCount edges { node { id name status nation { name }
    metrics(kind: PROGRESS, bucket: YEAR) { start value } } } } } } } }"""
MAX_STATEMENTS = 8


async def _entities(gql: Gql, subgraph: str, reps: list[dict[str, Any]], selection: str) -> list[Any]:
    body = await gql(subgraph, "query($r: [_Any!]!) { _entities(representations: $r) { %s } }" % selection, {"r": reps})  # noqa: UP031
    assert "errors" not in body, body
    return body["data"]["_entities"]


async def _walk_by_hand(gql: Gql, n: int) -> int:
    """What a gateway sends for DEEP: one root fetch, then one _entities fetch per subgraph and depth."""
    body = await gql("nations", "query($n: Int!) { nations(first: $n) { edges { node { code name } } } }", {"n": n})
    codes = [e["node"]["code"] for e in body["data"]["nations"]["edges"]]
    nation_reps = [{"__typename": "Nation", "code": c} for c in codes]
    nations = await _entities(
        gql, "projects", nation_reps,
        "... on Nation { projects(first: 5) { edges { node { id nation { name } } } } }",
    )
    await _entities(
        gql, "metrics", nation_reps,
        "... on Nation { stats { projects } metrics(kind: SPEND_USD, bucket: YEAR) { sum } }",
    )
    project_reps = [
        {"__typename": "Project", "id": e["node"]["id"]} for nation in nations for e in nation["projects"]["edges"]
    ]
    await _entities(gql, "metrics", project_reps, "... on Project { metrics(kind: PROGRESS, bucket: YEAR) { value } }")
    return len(project_reps)


async def test_statement_count_is_constant_by_hand(stack: InProcessStack, gql: Gql) -> None:
    counts = {}
    # A first walk warms what is loaded once per process (the nations search index), then 5 and 60.
    for n in (1, 5, 60):
        before = stack.statements()
        projects = await _walk_by_hand(gql, n)
        counts[n] = stack.statements() - before
        assert projects > 0
    print(f"SQL statements per deep walk: {counts}")
    assert counts[5] == counts[60] <= MAX_STATEMENTS, counts


NODE_GATEWAY = ROOT / "tools/node/node_modules/@apollo/gateway"


@pytest.mark.node
@pytest.mark.skipif(shutil.which("node") is None or not NODE_GATEWAY.exists(), reason="needs node and tools/node")
async def test_statement_count_is_constant_through_apollo_gateway(stack: InProcessStack) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="charter-n1-"))
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(compose_supergraph({name: stack.url(name) for name in stack.served}))
    port = free_port()
    gateway = ManagedProcess(
        "apollo-gateway", ["node", str(ROOT / "infra/apollo_gateway.mjs"), str(supergraph), str(port)],
        log_path=workdir / "gateway.log",
    )
    await gateway.start(r"^ready ", within=60)
    try:
        counts = {}
        async with httpx.AsyncClient(timeout=30) as client:
            for n in (1, 5, 60):  # the first warms what is loaded once per process
                before = stack.statements()
                response = await client.post(f"http://127.0.0.1:{port}/", json={"query": DEEP, "variables": {"n": n}})
                body = response.json()
                assert "errors" not in body, body
                edges = body["data"]["nations"]["edges"]
                assert len(edges) == n and body["data"]["nations"]["totalCount"] == 195
                assert any(e["node"]["projects"]["edges"] for e in edges)
                counts[n] = stack.statements() - before
        print(f"SQL statements per deep query: {counts}")
        assert counts[5] == counts[60] <= MAX_STATEMENTS, counts
    finally:
        await gateway.stop()
        shutil.rmtree(workdir, ignore_errors=True)
