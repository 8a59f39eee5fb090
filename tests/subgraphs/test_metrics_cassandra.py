"""The metrics subgraph on the real three-DC Cassandra cluster (one node per data centre):
the same answers as on Postgres, the consistency of the two-database write across crashes,
replays that leave the aggregates as they were, and a data centre lost while the others serve.

The node-killing test comes last: the cluster stays one node short for the rest of the session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from infra.devkey import ISSUER, ensure_dev_key, mint
from infra.inprocess import ServedApp, serve_in_loop, wait_started
from infra.stack import InProcessStack
from infra.testing import Gql, cassandra_settings, gql_for
from subgraphs.common.context import RequestContext
from subgraphs.metrics.cassandra.applier import OutboxApplier
from subgraphs.metrics.cassandra.session import KEYSPACE
from subgraphs.metrics.schema import MetricPointInput, write_points
from subgraphs.metrics.series import MetricKind
from subgraphs.metrics.store import PostgresMetricsStore
from subgraphs.settings import Settings

pytest_plugins = ["infra.testing"]
# The first Cassandra test also pays for the cluster's start and the seed's backfill.
pytestmark = pytest.mark.timeout(600)

SERIES = """query($r: [_Any!]!, $k: MetricKind, $f: DateTime, $t: DateTime, $b: Bucket!) {
  _entities(representations: $r) { ... on Project { id metrics(kind: $k, from: $f, to: $t, bucket: $b) {
    kind start value min max sum last count } } } }"""
NATION_SERIES = """query($r: [_Any!]!, $b: Bucket!) { _entities(representations: $r) { ... on Nation { code
    metrics(bucket: $b) { kind start value min max sum count } } } }"""
STATS = """{ globalCovenantStats { projects metrics { kind points sum min max } }
  emea: regionStats(group: EMEA) { metrics { kind points sum min max } }
  apac: regionStats(group: APAC) { metrics { kind points sum min max } }
  americas: regionStats(group: AMERICAS) { metrics { kind points sum min max } } }"""
RECORD = """mutation($i: RecordMetricsInput!) { recordMetrics(input: $i) { recorded } }"""


def _approx(value: Any) -> Any:
    """Float sums folded in another order differ in the last bits; everything else is exact."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9)
    if isinstance(value, list):
        return [_approx(v) for v in value]
    if isinstance(value, dict):
        return {k: _approx(v) for k, v in value.items()}
    return value


async def _data(gql: Gql, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await gql("metrics", query, variables or {})
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def _parts(stack: InProcessStack) -> tuple[Any, Any]:
    state = stack.served["metrics"].app.state
    return state.db, state.metrics


@pytest_asyncio.fixture(scope="module")
async def pg_gql(cassandra_stack: InProcessStack, http: httpx.AsyncClient) -> AsyncIterator[Gql]:
    """The metrics subgraph on the Postgres store over the Cassandra stack's own database: the
    same data, so any difference is the store's (other tests write to the shared stack)."""
    from subgraphs.common.app import create_app
    from subgraphs.registry import schema_of

    settings = Settings(region="ams", primary_url=cassandra_stack.cluster.primary_url(), replica_url=None)
    served = serve_in_loop(create_app(schema_of("metrics"), settings, "metrics"))
    await wait_started([served])

    async def call(subgraph: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        assert subgraph == "metrics"
        response = await http.post(served.url, json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    try:
        yield call
    finally:
        with contextlib.suppress(Exception):
            await served.stop()


@pytest.fixture(scope="module")
def cass_gql(cassandra_stack: InProcessStack, http: httpx.AsyncClient) -> Gql:
    return gql_for(cassandra_stack, http)


async def test_three_data_centres_and_the_keyspace(cassandra_stack: InProcessStack) -> None:
    _, store = _parts(cassandra_stack)
    session = store.session
    local = await session.execute("SELECT data_center FROM system.local")
    peers = await session.execute("SELECT data_center FROM system.peers_v2")
    assert sorted([r.data_center for r in local] + [r.data_center for r in peers]) == ["americas", "apac", "emea"]
    assert session.local_dc == "emea"  # region ams is in the EMEA group
    ks = await session.execute(
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", (KEYSPACE,)
    )
    replication = dict(ks[0].replication)
    assert replication.pop("class").endswith("NetworkTopologyStrategy")
    assert replication == {"emea": "1", "apac": "1", "americas": "1"}


async def test_same_answers_as_postgres(pg_gql: Gql, cass_gql: Gql) -> None:
    cases: list[dict[str, Any]] = [
        {"r": [{"__typename": "Project", "id": p}], "b": b}
        for p in ("prj-ams-001", "prj-jnb-003", "prj-sin-004", "prj-iad-010")
        for b in ("RAW", "DAY", "WEEK", "MONTH", "YEAR")
    ]
    cases += [
        {"r": [{"__typename": "Project", "id": "prj-ams-001"}], "b": "MONTH", "k": "SPEND_USD",
         "f": "2024-03-15T00:00:00Z", "t": "2025-02-01T00:00:00Z"},
        {"r": [{"__typename": "Project", "id": "prj-ams-001"}, {"__typename": "Project", "id": "prj-nope-9"}],
         "b": "YEAR", "f": "2023-06-01T00:00:00Z"},
    ]
    nonempty = 0
    for variables in cases:
        expected = await _data(pg_gql, SERIES, variables)
        assert await _data(cass_gql, SERIES, variables) == _approx(expected), variables
        nonempty += bool(expected["_entities"][0]["metrics"])
    assert nonempty >= len(cases) - 4  # the comparison compared something
    nations = {"r": [{"__typename": "Nation", "code": c} for c in ("JP", "KE", "VA")], "b": "YEAR"}
    expected = await _data(pg_gql, NATION_SERIES, nations)
    assert expected["_entities"][0]["metrics"]
    assert await _data(cass_gql, NATION_SERIES, nations) == _approx(expected)
    stats = await _data(pg_gql, STATS)
    assert len(stats["globalCovenantStats"]["metrics"]) == 4 and stats["emea"]["metrics"]
    assert await _data(cass_gql, STATS) == _approx(stats)


def _points(day: int, scale: float) -> list[MetricPointInput]:
    at = dt.datetime(2026, 11, day, 12, 0, tzinfo=dt.UTC)
    return [
        MetricPointInput(kind=MetricKind.SPEND_USD, value=1000.0 * scale, at=at),
        MetricPointInput(kind=MetricKind.BENEFICIARIES, value=70.0 * scale, at=at),
    ]


async def _totals(store: Any, db: Any) -> dict[str, Any]:
    ctx = RequestContext(db=db, settings=Settings(region="ams", primary_url="", replica_url=None))
    return {g: [vars(t) for t in ts] for g, ts in (await store.group_totals(ctx)).items()}


async def _day_series(gql: Gql, project: str, day: int) -> list[dict[str, Any]]:
    variables = {"r": [{"__typename": "Project", "id": project}], "b": "RAW",
                 "f": f"2026-11-{day:02d}T00:00:00Z", "t": f"2026-11-{day + 1:02d}T00:00:00Z"}
    return (await _data(gql, SERIES, variables))["_entities"][0]["metrics"]  # type: ignore[no-any-return]


async def test_crash_between_the_postgres_and_the_cassandra_write(cass_gql: Gql, cassandra_stack: InProcessStack) -> None:
    db, store = _parts(cassandra_stack)
    project = "prj-ams-002"
    async with db.primary.begin() as conn:  # recordMetrics' Postgres half ...
        assert await write_points(conn, project, _points(3, 1.0), store, region="ams", actor="test") == 2
    # ... and the process dies before applying it: Postgres has the points and their outbox rows.
    assert await store.applier.pending() == 2
    assert await _day_series(cass_gql, project, 3) == []
    # A restarted process drains what is left, with a fresh applier.
    restarted = OutboxApplier(db, store.session)
    assert await restarted.drain() == 2
    assert await restarted.pending() == 0
    got = await _day_series(cass_gql, project, 3)
    assert {(b["kind"], b["value"]) for b in got} == {("SPEND_USD", 1000.0), ("BENEFICIARIES", 70.0)}
    assert await _totals(store, db) == _approx(await _totals(PostgresMetricsStore(), db))


async def test_crash_after_the_cassandra_write_replays_to_the_same_aggregates(
    cass_gql: Gql, cassandra_stack: InProcessStack
) -> None:
    db, store = _parts(cassandra_stack)
    project = "prj-jnb-002"
    async with db.primary.begin() as conn:
        await write_points(conn, project, _points(4, 2.0), store, region="ams", actor="test")

    async def crash() -> None:
        raise RuntimeError("killed after writing Cassandra, before committing the outbox")

    with pytest.raises(RuntimeError, match="killed"):
        await store.applier.drain(before_commit=crash)
    assert await store.applier.pending() == 2  # the outbox delete rolled back
    applied_once = await _totals(store, db)
    assert await store.applier.drain() == 2  # applied a second time
    assert await _totals(store, db) == applied_once  # exactly: nothing counted twice
    assert applied_once == _approx(await _totals(PostgresMetricsStore(), db))
    assert len(await _day_series(cass_gql, project, 4)) == 2

    # A re-record of the same points (a client retry) changes values, not counts.
    async with db.primary.begin() as conn:
        await write_points(conn, project, _points(4, 3.0), store, region="ams", actor="test")
    await store.applier.drain()
    assert {b["value"] for b in await _day_series(cass_gql, project, 4)} == {3000.0, 210.0}
    assert await _totals(store, db) == _approx(await _totals(PostgresMetricsStore(), db))


async def test_replaying_every_event_gives_the_same_aggregates(cass_gql: Gql, cassandra_stack: InProcessStack) -> None:
    db, store = _parts(cassandra_stack)
    before_totals = await _totals(store, db)
    series = {"r": [{"__typename": "Project", "id": p} for p in ("prj-ams-001", "prj-ams-002", "prj-jnb-002")],
              "b": "MONTH"}
    before_series = await _data(cass_gql, SERIES, series)
    replayed = await store.applier.replay_all()
    assert replayed >= 50_000  # every seeded point, and those recorded since
    assert await _totals(store, db) == before_totals
    assert await _data(cass_gql, SERIES, series) == before_series
    # And a point-by-point replay of some through the outbox lands on the same numbers too.
    async with db.primary.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO metrics_outbox (point_id) SELECT id FROM metric_points WHERE project_id LIKE 'prj-ams-00%'"
        )
    assert await store.applier.drain() > 0
    assert await _totals(store, db) == before_totals


SYNC_PUSH = """mutation($c: JSON!, $l: Float!) { syncPush(changes: $c, lastPulledAt: $l) { created } }"""


async def test_points_pushed_by_offline_sync_reach_cassandra(cass_gql: Gql, cassandra_stack: InProcessStack, http: httpx.AsyncClient) -> None:
    db, store = _parts(cassandra_stack)
    project = "prj-jnb-002"
    async with db.primary.connect() as conn:
        since = float(await conn.scalar(text("SELECT last_ms FROM sync_clock")))
    at = int(dt.datetime(2026, 11, 9, 12, 0, tzinfo=dt.UTC).timestamp() * 1000)
    record = {"id": "a1b2c3d4e5f60718", "project_id": project, "kind": "beneficiaries", "value": 321.0,
              "measured_at": at, "_status": "created", "_changed": ""}
    changes = {t: {"created": [], "updated": [], "deleted": []} for t in ("nations", "projects", "metric_points")}
    changes["metric_points"]["created"] = [record]
    body = (await http.post(cassandra_stack.url("projects"),
                            json={"query": SYNC_PUSH, "variables": {"c": changes, "l": since}})).json()
    assert body.get("data") == {"syncPush": {"created": 1}}, body
    # The push enqueued its point in the metrics outbox, in its own transaction ...
    assert await store.applier.pending() == 1
    assert await store.applier.drain() == 1
    # ... and the applier took it to Cassandra like a recorded one.
    got = await _day_series(cass_gql, project, 9)
    assert [(b["kind"], b["value"]) for b in got] == [("BENEFICIARIES", 321.0)]
    assert await _totals(store, db) == _approx(await _totals(PostgresMetricsStore(), db))


GATEWAY_READ = """query($p: ID!, $f: DateTime, $t: DateTime) {
  project(id: $p) { id nation { code } metrics(kind: BENEFICIARIES, from: $f, to: $t, bucket: DAY) { start sum count } }
  regionStats(group: EMEA) { metrics { kind points } } }"""
GATEWAY_WRITE = """mutation($i: RecordMetricsInput!) { recordMetrics(input: $i) { recorded project { id } } }"""


async def test_recorded_and_read_back_through_the_gateway(
    cassandra_stack: InProcessStack, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    from gateway.auth.config import AuthConfig
    from gateway.config import GatewayConfig
    from gateway.http.app import create_app
    from subgraphs.supergraph import compose_supergraph

    sdl = compose_supergraph({name: cassandra_stack.url(name) for name in cassandra_stack.served})
    jwks = ensure_dev_key(tmp_path)  # recordMetrics needs a token with metrics:write
    config = GatewayConfig(watch=False, graphiql=False, auth=AuthConfig(jwks=(str(jwks),), issuer=ISSUER))
    gateway = serve_in_loop(create_app(config, sdl=sdl))
    try:
        await wait_started([gateway])
        # Inside the project's life (2020-10-03 to 2024-09-30), on days the seed left empty.
        window = {"p": "prj-ams-003", "f": "2024-09-06T00:00:00Z", "t": "2024-09-08T00:00:00Z"}
        before = (await http.post(gateway.url, json={"query": GATEWAY_READ, "variables": window})).json()
        assert "errors" not in before, before
        assert before["data"]["project"]["metrics"] == []
        emea_points = {m["kind"]: m["points"] for m in before["data"]["regionStats"]["metrics"]}
        points = [{"kind": "BENEFICIARIES", "value": v, "at": f"2024-09-0{d}T{h:02d}:00:00Z"}
                  for d, h, v in ((6, 9, 100), (6, 17, 140), (7, 9, 90))]
        wrote = await http.post(
            gateway.url, json={"query": GATEWAY_WRITE, "variables": {"i": {"projectId": "prj-ams-003", "points": points}}},
            headers={"authorization": f"Bearer {mint(tmp_path, ['metrics:write'])}"},
        )
        body = wrote.json()
        assert body["data"]["recordMetrics"] == {"recorded": 3, "project": {"id": "prj-ams-003"}}, body
        token = body["extensions"]["consistencyToken"]
        after = (await http.post(gateway.url, json={"query": GATEWAY_READ, "variables": window},
                                 headers={"x-charter-consistency": token})).json()
        assert "errors" not in after, after
        assert after["data"]["project"]["metrics"] == [
            {"start": "2024-09-06T00:00:00+00:00", "sum": 240.0, "count": 2},
            {"start": "2024-09-07T00:00:00+00:00", "sum": 90.0, "count": 1},
        ]
        emea_after = {m["kind"]: m["points"] for m in after["data"]["regionStats"]["metrics"]}
        assert emea_after["BENEFICIARIES"] == emea_points["BENEFICIARIES"] + 3  # ams is in EMEA
    finally:
        await gateway.stop()


@pytest_asyncio.fixture(scope="module")
async def syd_metrics(cassandra_cluster: Any, cassandra_stack: InProcessStack) -> AsyncIterator[ServedApp]:
    """Region syd's metrics subgraph (group APAC: local data centre apac) on the same databases."""
    from subgraphs.common.app import create_app
    from subgraphs.registry import schema_of

    settings = Settings(
        region="syd", primary_url=cassandra_stack.cluster.primary_url(), replica_url=None,
        **cassandra_settings(cassandra_cluster),  # type: ignore[arg-type]
    )
    served = serve_in_loop(create_app(schema_of("metrics"), settings, "metrics"))
    await wait_started([served])
    try:
        yield served
    finally:
        with contextlib.suppress(Exception):
            await served.stop()


async def test_a_data_centre_dies_and_its_region_fails_over(
    cassandra_cluster: Any, cassandra_stack: InProcessStack, syd_metrics: ServedApp, http: httpx.AsyncClient,
    cass_gql: Gql,
) -> None:
    async def syd(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = (await http.post(syd_metrics.url, json={"query": query, "variables": variables})).json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    assert syd_metrics.app.state.metrics.session.local_dc == "apac"
    variables = {"r": [{"__typename": "Project", "id": "prj-syd-001"}], "b": "YEAR"}
    healthy = await syd(SERIES, variables)
    assert healthy["_entities"][0]["metrics"]
    assert await _data(cass_gql, SERIES, variables) == healthy

    await cassandra_cluster.kill("apac")
    # syd's own data centre is gone: its reads go to a remote one, with the same answers.
    for _ in range(3):
        assert await syd(SERIES, variables) == healthy
    # The other regions keep serving from their own data centres.
    assert await _data(cass_gql, SERIES, variables) == healthy
    # And writes still reach a quorum (two of three data centres), readable from both regions.
    # Inside prj-syd-001's life (to 2026-02-16), on a day the seed left empty.
    point = {"kind": "PROGRESS", "value": 0.25, "at": "2026-02-05T08:00:00Z"}
    recorded = await syd(RECORD, {"i": {"projectId": "prj-syd-001", "points": [point]}})
    assert recorded["recordMetrics"]["recorded"] == 1
    day = {"r": [{"__typename": "Project", "id": "prj-syd-001"}], "b": "RAW", "k": "PROGRESS",
           "f": "2026-02-05T00:00:00Z", "t": "2026-02-06T00:00:00Z"}
    assert [b["value"] for b in (await syd(SERIES, day))["_entities"][0]["metrics"]] == [0.25]
    assert [b["value"] for b in (await _data(cass_gql, SERIES, day))["_entities"][0]["metrics"]] == [0.25]
