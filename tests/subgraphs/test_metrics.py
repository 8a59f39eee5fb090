"""The metrics subgraph: bucketed series, nation stats, group and global roll-ups, recordMetrics."""

from __future__ import annotations

from typing import Any

from infra.testing import Gql

# The fixtures `stack`, `http` and `gql` (one seeded stack per session) live in a plugin module.
pytest_plugins = ["infra.testing"]

SERIES = """query($r: [_Any!]!, $k: MetricKind, $f: DateTime, $t: DateTime, $b: Bucket!) {
  _entities(representations: $r) { ... on Project { id metrics(kind: $k, from: $f, to: $t, bucket: $b) {
    kind start value min max sum last count } } } }"""
RECORD = """mutation($i: RecordMetricsInput!) { recordMetrics(input: $i) { recorded project { id } } }"""
PRIMARY = {"x-charter-consistency": "FFFFFFFF/0"}


async def _series(gql: Gql, project: str, headers: dict[str, str] | None = None, **args: Any) -> list[dict[str, Any]]:
    variables = {"r": [{"__typename": "Project", "id": project}], "b": "MONTH", **args}
    body = await gql("metrics", SERIES, variables, headers=headers)
    assert "errors" not in body, body
    return body["data"]["_entities"][0]["metrics"]


async def test_monthly_and_yearly_buckets(gql: Gql) -> None:
    monthly = await _series(gql, "prj-ams-001", k="PROGRESS")
    yearly = await _series(gql, "prj-ams-001", k="PROGRESS", b="YEAR")
    assert monthly and yearly and len(yearly) < len(monthly)
    assert sum(b["count"] for b in yearly) == sum(b["count"] for b in monthly)
    values = [b["value"] for b in monthly]
    assert values == sorted(values)  # seeded progress only grows
    assert all(b["min"] <= b["value"] <= b["max"] for b in yearly)
    raw = await _series(gql, "prj-ams-001", k="PROGRESS", b="RAW")
    assert all(b["count"] == 1 and b["value"] == b["last"] for b in raw)
    assert len(raw) == sum(b["count"] for b in monthly)
    window = await _series(gql, "prj-ams-001", k="PROGRESS", f=monthly[1]["start"], t=monthly[3]["start"])
    assert [b["start"] for b in window] == [monthly[1]["start"], monthly[2]["start"]]


async def test_bad_ranges_are_clear_errors(gql: Gql) -> None:
    for args in ({"f": "2025-01-02T00:00:00Z", "t": "2025-01-01T00:00:00Z"},
                 {"f": "2000-01-01T00:00:00Z", "t": "2025-01-01T00:00:00Z", "b": "HOUR"}):
        variables = {"r": [{"__typename": "Project", "id": "prj-ams-001"}], "b": "MONTH", **args}
        body = await gql("metrics", SERIES, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", args


async def test_region_and_global_stats(gql: Gql) -> None:
    body = await gql(
        "metrics",
        """{ globalCovenantStats { nations projects activeProjects budgetUsd covenantBudgetUsd contributionsUsd
               groups { group nations projects } }
             apac: regionStats(group: APAC) { group regions nations projects activeProjects budgetUsd contributionsUsd }
             emea: regionStats(group: EMEA) { regions nations }
             americas: regionStats(group: AMERICAS) { regions nations } }""",
    )
    data = body["data"]
    world = data["globalCovenantStats"]
    assert world["nations"] == 195 and world["projects"] >= 500
    assert 0 < world["activeProjects"] < world["projects"]
    assert abs(world["contributionsUsd"] - world["covenantBudgetUsd"]) < 1.0
    assert sum(g["nations"] for g in world["groups"]) == 195
    assert sorted(data["apac"]["regions"]) == ["sin", "syd"]
    assert sorted(data["emea"]["regions"]) == ["ams", "jnb"]
    assert sorted(data["americas"]["regions"]) == ["iad", "sfo"]
    assert data["apac"]["projects"] > 0 and data["apac"]["contributionsUsd"] > 0


async def test_nation_metrics_and_stats(gql: Gql) -> None:
    body = await gql(
        "metrics",
        """query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code
             stats { projects activeProjects budgetUsd averageProgress }
             metrics(kind: SPEND_USD, bucket: YEAR) { start sum } } } }""",
        {"r": [{"__typename": "Nation", "code": "JP"}, {"__typename": "Nation", "code": "VA"}]},
    )
    jp, va = body["data"]["_entities"]
    assert jp["stats"]["projects"] > 0 and jp["metrics"]
    assert va["stats"]["projects"] >= 0


async def test_record_metrics_all_or_nothing(gql: Gql) -> None:
    project = "prj-syd-002"
    good = [
        {"kind": "BENEFICIARIES", "value": 12345, "at": "2026-11-20T10:00:00Z"},
        {"kind": "PROGRESS", "value": 0.5, "at": "2026-11-20T10:00:00Z"},
    ]
    bad_cases = [
        [*good, {"kind": "PROGRESS", "value": 1.5, "at": "2026-11-21T00:00:00Z"}],
        [*good, {"kind": "SPEND_USD", "value": -1, "at": "2026-11-21T00:00:00Z"}],
        [*good, {"kind": "SPEND_USD", "value": 10, "at": "2999-01-01T00:00:00Z"}],
        [*good, good[0]],  # duplicate point
        [],
    ]
    before = await _series(gql, project, headers=PRIMARY, b="DAY", f="2026-11-19T00:00:00Z")
    for points in bad_cases:
        body = await gql("metrics", RECORD, {"i": {"projectId": project, "points": points}})
        assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", points
    body = await gql("metrics", RECORD, {"i": {"projectId": "prj-nope-1", "points": good}})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await _series(gql, project, headers=PRIMARY, b="DAY", f="2026-11-19T00:00:00Z") == before

    body = await gql("metrics", RECORD, {"i": {"projectId": project, "points": good}})
    assert body["data"]["recordMetrics"] == {"recorded": 2, "project": {"id": project}}
    token = body["extensions"]["consistencyToken"]
    after = await _series(gql, project, headers={"x-charter-consistency": token}, b="DAY", f="2026-11-19T00:00:00Z")
    assert {(b["kind"], b["value"]) for b in after} == {("BENEFICIARIES", 12345.0), ("PROGRESS", 0.5)}
    # Recording the same points again replaces them: a retry is harmless.
    again = await gql("metrics", RECORD, {"i": {"projectId": project, "points": good}})
    assert again["data"]["recordMetrics"]["recorded"] == 2
    token = again["extensions"]["consistencyToken"]
    assert await _series(gql, project, headers={"x-charter-consistency": token}, b="DAY", f="2026-11-19T00:00:00Z") == after


async def test_nation_entity_keys_accept_alpha3_in_any_case(gql: Gql) -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code
             stats { projects activeProjects budgetUsd } metrics(kind: PROGRESS, bucket: YEAR) { start count } } } }"""
    reps = [{"__typename": "Nation", "code": c} for c in ("JP", "jp", "JPN", "jpn")]
    body = await gql("metrics", query, {"r": reps}, headers=PRIMARY)
    assert "errors" not in body, body
    nations = body["data"]["_entities"]
    assert all(n == nations[0] for n in nations) and nations[0]["code"] == "JP"
    assert nations[0]["stats"]["projects"] > 0 and nations[0]["metrics"]
    body = await gql("metrics", query, {"r": [{"__typename": "Nation", "code": "Japan"}]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
