"""The projects subgraph: 540 seeded projects, filters, Nation.projects, and its mutations."""

from __future__ import annotations

from typing import Any

from infra.testing import Gql

# The fixtures `stack`, `http` and `gql` (one seeded stack per session) live in a plugin module.
pytest_plugins = ["infra.testing"]

CREATE = """mutation($i: CreateProjectInput!) { createProject(input: $i) {
  id name sector status budgetUsd startDate endDate progress homeRegion nation { code name } } }"""
UPDATE = """mutation($id: ID!, $i: UpdateProjectInput!) { updateProject(id: $id, input: $i) {
  id name status progress endDate } }"""


def valid_input(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "Test Solar Farm",
        "sector": "ENERGY",
        "budgetUsd": 2_500_000,
        "startDate": "2025-03-01",
        "endDate": "2027-03-01",
        "homeRegion": "jnb",
        "nationCode": "KE",
        "status": "ACTIVE",
        "progress": 0.25,
    }
    base.update(changes)
    return base


PRIMARY = {"x-charter-consistency": "FFFFFFFF/0"}  # a position no replica reaches: read the primary


async def _count(gql: Gql, filter: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> int:
    body = await gql(
        "projects",
        "query($f: ProjectFilter) { projects(filter: $f, first: 0) { totalCount } }",
        {"f": filter},
        headers=headers,
    )
    assert "errors" not in body, body
    return int(body["data"]["projects"]["totalCount"])


async def test_at_least_fifty_projects_in_each_of_six_regions(gql: Gql) -> None:
    assert await _count(gql) >= 500
    for region in ("ams", "iad", "syd", "sin", "sfo", "jnb"):
        assert await _count(gql, {"region": region}) >= 50, region


async def test_projects_page_with_nation_name_provided(gql: Gql) -> None:
    body = await gql(
        "projects",
        """{ projects(first: 3, filter: {region: "sin", status: ACTIVE}) {
             totalCount pageInfo { endCursor hasNextPage }
             edges { cursor node { id status homeRegion nation { code name } } } } }""",
    )
    conn = body["data"]["projects"]
    assert len(conn["edges"]) == 3 and conn["pageInfo"]["hasNextPage"]
    for edge in conn["edges"]:
        node = edge["node"]
        assert node["status"] == "ACTIVE" and node["homeRegion"] == "sin"
        assert node["nation"]["name"]  # provided by this subgraph: no second fetch


async def test_nation_projects_connection_through_entities(gql: Gql) -> None:
    body = await gql(
        "projects",
        """query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code
             projects(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id nation { code } } } } } } }""",
        {"r": [{"__typename": "Nation", "code": c} for c in ("KE", "JP", "VA")]},
    )
    for nation in body["data"]["_entities"]:
        conn = nation["projects"]
        assert conn["totalCount"] == await _count(gql, {"nationCode": nation["code"]})
        assert len(conn["edges"]) == min(2, conn["totalCount"])
        assert conn["pageInfo"]["hasNextPage"] == (conn["totalCount"] > 2)
        assert all(e["node"]["nation"]["code"] == nation["code"] for e in conn["edges"])


async def test_create_then_update_project(gql: Gql) -> None:
    created = await gql("projects", CREATE, {"i": valid_input()})
    assert "errors" not in created, created
    project = created["data"]["createProject"]
    assert project["id"].startswith("prj-jnb-") and project["nation"] == {"code": "KE", "name": "Kenya"}
    assert created["extensions"]["consistencyToken"]
    assert created["_headers"]["x-charter-consistency"] == created["extensions"]["consistencyToken"]
    updated = await gql("projects", UPDATE, {"id": project["id"], "i": {"status": "COMPLETED", "progress": 1.0}})
    assert updated["data"]["updateProject"]["status"] == "COMPLETED"
    assert updated["data"]["updateProject"]["name"] == "Test Solar Farm"


async def _snapshot(gql: Gql) -> tuple[int, str]:
    body = await gql(
        "projects",
        '{ projects(first: 100, filter: {region: "iad"}) { totalCount edges { node { id name status progress } } } }',
        headers=PRIMARY,  # nothing can be stale
    )
    conn = body["data"]["projects"]
    return conn["totalCount"], repr(conn["edges"])


async def test_every_bad_create_is_a_clear_error_and_writes_nothing(gql: Gql) -> None:
    before = await _count(gql, headers=PRIMARY)
    bad_inputs = [
        valid_input(name="   "),
        valid_input(name="x" * 201),
        valid_input(budgetUsd=-5),
        valid_input(budgetUsd=0),
        valid_input(budgetUsd=1e13),
        valid_input(progress=1.5),
        valid_input(endDate="2020-01-01"),
        valid_input(homeRegion="mars"),
        valid_input(nationCode="kenya"),
        valid_input(nationCode="XX"),  # well-formed, but no such nation
        valid_input(startDate="1800-01-01"),
    ]
    for bad in bad_inputs:
        body = await gql("projects", CREATE, {"i": bad})
        assert body.get("data") is None, bad
        error = body["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (bad, error)
        assert "Traceback" not in str(body)
    # A value of the wrong GraphQL type never reaches the resolver: still a clear error.
    body = await gql("projects", CREATE, {"i": valid_input(sector="SPACE")})
    assert body["errors"] and "SPACE" in body["errors"][0]["message"]
    assert await _count(gql, headers=PRIMARY) == before


async def test_every_bad_update_is_a_clear_error_and_writes_nothing(gql: Gql) -> None:
    target = "prj-iad-001"
    before = await _snapshot(gql)
    cases = [
        (target, {}, "BAD_USER_INPUT"),
        (target, {"name": None}, "BAD_USER_INPUT"),
        (target, {"progress": -0.1, "name": "ok"}, "BAD_USER_INPUT"),
        (target, {"endDate": "2001-01-01"}, "BAD_USER_INPUT"),
        (target, {"nationCode": "QQ", "name": "renamed"}, "BAD_USER_INPUT"),
        (target, {"homeRegion": "xyz"}, "BAD_USER_INPUT"),
        ("prj-none-999", {"name": "ghost"}, "NOT_FOUND"),
    ]
    for project_id, patch, code in cases:
        body = await gql("projects", UPDATE, {"id": project_id, "i": patch})
        assert body.get("data") is None, patch
        assert body["errors"][0]["extensions"]["code"] == code, (patch, body["errors"])
    assert await _snapshot(gql) == before


async def test_bad_filters_and_paging(gql: Gql) -> None:
    for query in (
        '{ projects(filter: {region: "mars"}) { totalCount } }',
        '{ projects(filter: {nationCode: "germany"}) { totalCount } }',
        '{ projects(first: 101) { totalCount } }',
        '{ projects(after: "!!") { totalCount } }',
    ):
        body = await gql("projects", query)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", query
    body = await gql("projects", '{ projects(filter: {search: "100%_"}) { totalCount } }')
    assert body["data"]["projects"]["totalCount"] == 0


async def test_bad_consistency_token_is_a_clear_error(gql: Gql) -> None:
    body = await gql("projects", '{ project(id: "prj-ams-001") { id } }', headers={"x-charter-consistency": "yesterday"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_CONSISTENCY_TOKEN"


async def test_nation_codes_follow_one_rule_in_filters_inputs_and_keys(gql: Gql) -> None:
    """alpha-2 or alpha-3, any case, wherever projects accepts a nation code; stored as alpha-2."""
    kenya = await _count(gql, {"nationCode": "KE"})
    assert kenya > 0
    for code in ("ke", "Ke", "KEN", "ken"):
        assert await _count(gql, {"nationCode": code}) == kenya, code
    assert await _count(gql, {"nationCode": "QQQ"}) == 0  # well-formed, no such nation
    created = await gql("projects", CREATE, {"i": valid_input(nationCode="ken", name="Code Rule Farm")})
    assert "errors" not in created, created
    project = created["data"]["createProject"]
    assert project["nation"] == {"code": "KE", "name": "Kenya"}
    moved = await gql(
        "projects",
        """mutation($id: ID!, $i: UpdateProjectInput!) { updateProject(id: $id, input: $i) { nation { code name } } }""",
        {"id": project["id"], "i": {"nationCode": "deu"}},
    )
    assert moved["data"]["updateProject"]["nation"] == {"code": "DE", "name": "Germany"}
    body = await gql(
        "projects",
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code projects(first: 1) { totalCount } } } }',
        {"r": [{"__typename": "Nation", "code": c} for c in ("KE", "ken")]},
        headers=PRIMARY,
    )
    first, second = body["data"]["_entities"]
    assert first == second and first["code"] == "KE" and first["projects"]["totalCount"] == kenya
    body = await gql("projects", CREATE, {"i": valid_input(nationCode="QQQ")})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "no such nation" in str(body["errors"][0]["extensions"])
