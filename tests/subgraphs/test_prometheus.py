"""Each subgraph's /metrics: root resolver timings and errors, SQL timings by database and kind,
replica lag and pool use, driven by real queries and writes against the seeded in-process stack."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from infra.stack import InProcessStack
from infra.testing import Gql
from subgraphs.db.replica import ReplicaMonitor

pytest_plugins = ["infra.testing"]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CREATE = "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }"


async def scrape(http: httpx.AsyncClient, stack: InProcessStack, subgraph: str) -> Samples:
    response = await http.get(stack.url(subgraph).removesuffix("/graphql") + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_root_resolvers_are_timed_and_their_errors_counted(
    stack: InProcessStack, http: httpx.AsyncClient, gql: Gql
) -> None:
    before = await scrape(http, stack, "nations")
    assert "errors" not in await gql("nations", "{ nations(first: 1) { totalCount } }")
    # refused inside the resolver (a search longer than the limit)
    refused = await gql("nations", "query($s: String) { nations(search: $s) { totalCount } }", {"s": "x" * 10_000})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    after = await scrape(http, stack, "nations")
    field = {"subgraph": "nations", "field": "Query.nations"}
    assert value(after, "charter_subgraph_resolver_seconds_count", **field) - value(
        before, "charter_subgraph_resolver_seconds_count", **field
    ) == 2
    assert value(after, "charter_subgraph_resolver_seconds_sum", **field) > value(
        before, "charter_subgraph_resolver_seconds_sum", **field
    )
    assert value(after, "charter_subgraph_resolver_errors_total", **field) - value(
        before, "charter_subgraph_resolver_errors_total", **field
    ) == 1
    # Nested fields are not timed: only root fields have series.
    fields = {dict(labels)["field"] for (name, labels) in after if name == "charter_subgraph_resolver_seconds_count"}
    assert all(f.startswith(("Query.", "Mutation.")) for f in fields), fields


async def test_sql_is_timed_by_database_and_statement_kind(
    stack: InProcessStack, http: httpx.AsyncClient, gql: Gql
) -> None:
    before = await scrape(http, stack, "projects")
    body = await gql("projects", "{ projects(first: 3) { totalCount edges { node { id } } } }")
    assert body["data"]["projects"]["totalCount"] > 0
    created = await gql("projects", CREATE, {"i": {
        "name": "Prometheus Timing Test", "sector": "ENERGY", "budgetUsd": 1_000_000, "startDate": "2025-03-01",
        "endDate": "2027-03-01", "homeRegion": "ams", "nationCode": "NL", "status": "ACTIVE", "progress": 0.25,
    }})
    assert created["data"]["createProject"]["id"], created
    after = await scrape(http, stack, "projects")

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    reads = {"subgraph": "projects", "database": "replica", "statement": "select"}
    writes = {"subgraph": "projects", "database": "primary", "statement": "insert"}
    assert delta("charter_subgraph_sql_seconds_count", **reads) >= 1  # the query read the replica
    assert delta("charter_subgraph_sql_seconds_count", **writes) >= 1  # the mutation wrote the primary
    assert delta("charter_subgraph_sql_seconds_sum", **writes) > 0
    assert delta("charter_subgraph_resolver_seconds_count", subgraph="projects", field="Mutation.createProject") == 1


async def test_sql_errors_are_counted(stack: InProcessStack, http: httpx.AsyncClient) -> None:
    before = await scrape(http, stack, "metrics")
    db = stack.served["metrics"].app.state.db
    async with db.primary.connect() as conn:
        try:
            await conn.execute(text("SELECT no_such_column FROM no_such_table"))
        except Exception as e:  # the failure is the point: it must be counted
            assert "no_such_table" in str(e)
        else:
            raise AssertionError("the statement should have failed")
    after = await scrape(http, stack, "metrics")
    labels = {"subgraph": "metrics", "database": "primary"}
    assert value(after, "charter_subgraph_sql_errors_total", **labels) - value(
        before, "charter_subgraph_sql_errors_total", **labels
    ) == 1


async def test_replica_lag_and_pool_use(stack: InProcessStack, http: httpx.AsyncClient, gql: Gql) -> None:
    await gql("nations", "{ nations(first: 1) { totalCount } }")
    db = stack.served["nations"].app.state.db
    # One measure now (the app's monitor takes one every half second): real positions of the
    # real primary and replica.
    await ReplicaMonitor(db, db.replica_health).check()
    assert db.replica_health.lag_ms is not None
    samples = await scrape(http, stack, "nations")
    assert value(samples, "charter_subgraph_replica_usable", subgraph="nations") == 1
    lag = samples[("charter_subgraph_replica_lag_seconds", frozenset({("subgraph", "nations")}))]
    assert 0 <= lag < 5
    assert ("charter_subgraph_replica_lag_bytes", frozenset({("subgraph", "nations")})) in samples
    for database in ("primary", "replica"):
        assert value(samples, "charter_subgraph_db_pool_size", subgraph="nations", database=database) == 5
        idle = value(samples, "charter_subgraph_db_pool_connections", subgraph="nations", database=database, state="idle")
        in_use = value(
            samples, "charter_subgraph_db_pool_connections", subgraph="nations", database=database, state="in_use"
        )
        assert in_use >= 0 and idle + in_use >= 1  # the query (and the monitor) opened connections
    # Holding a connection shows as in use.
    async with db.replica.connect() as conn:
        await conn.execute(text("SELECT 1"))
        held = await scrape(http, stack, "nations")
    assert value(held, "charter_subgraph_db_pool_connections", subgraph="nations", database="replica", state="in_use") >= 1


async def test_reads_with_a_consistency_token_time_their_wait(stack: InProcessStack, http: httpx.AsyncClient, gql: Gql) -> None:
    created = await gql("projects", CREATE, {"i": {
        "name": "Prometheus Wait Test", "sector": "ENERGY", "budgetUsd": 1_000_000, "startDate": "2025-03-01",
        "endDate": "2027-03-01", "homeRegion": "ams", "nationCode": "NL", "status": "ACTIVE", "progress": 0.25,
    }})
    pid, token = created["data"]["createProject"]["id"], created["extensions"]["consistencyToken"]
    read = 'query($id: ID!) { project(id: $id) { name } }'

    def waits(samples: Samples) -> float:
        return sum(
            value(samples, "charter_subgraph_consistency_wait_seconds_count", subgraph="projects", source=source)
            for source in ("replica", "primary")
        )

    before = await scrape(http, stack, "projects")
    plain = await gql("projects", read, {"id": pid})  # no token: nothing waited, nothing counted
    assert "errors" not in plain, plain
    assert waits(await scrape(http, stack, "projects")) == waits(before)
    seen = await gql("projects", read, {"id": pid}, {"x-charter-consistency": token})
    assert seen["data"]["project"]["name"] == "Prometheus Wait Test", seen
    after = await scrape(http, stack, "projects")
    assert waits(after) == waits(before) + 1
    source = seen["_headers"]["x-charter-read-source"]
    assert value(after, "charter_subgraph_consistency_wait_seconds_count", subgraph="projects", source=source) == value(
        before, "charter_subgraph_consistency_wait_seconds_count", subgraph="projects", source=source
    ) + 1
