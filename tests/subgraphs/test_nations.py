"""The nations subgraph: 195 nations, lookups, the searchable selector, paging and bad input."""

from __future__ import annotations

from infra.testing import Gql

# The fixtures `stack`, `http` and `gql` (one seeded stack per session) live in a plugin module.
pytest_plugins = ["infra.testing"]

PAGE = "pageInfo { endCursor hasNextPage } totalCount"


async def test_all_195_nations_with_their_data(gql: Gql) -> None:
    body = await gql("nations", "{ nations(first: 100) { edges { node { code unStatus group } } " + PAGE + " } }")
    conn = body["data"]["nations"]
    assert conn["totalCount"] == 195
    assert len(conn["edges"]) == 100 and conn["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        "nations",
        "query($a: String) { nations(first: 100, after: $a) { edges { node { code unStatus } } " + PAGE + " } }",
        {"a": conn["pageInfo"]["endCursor"]},
    )
    nodes = [e["node"] for e in conn["edges"] + rest["data"]["nations"]["edges"]]
    assert len({n["code"] for n in nodes}) == 195
    assert rest["data"]["nations"]["pageInfo"]["hasNextPage"] is False
    observers = sorted(n["code"] for n in nodes if n["unStatus"] == "observer")
    assert observers == ["PS", "VA"]


async def test_nation_by_code_carries_iso_un_and_money(gql: Gql) -> None:
    q = """{ nation(code: "deu") { code alpha3 numericCode name unRegion unSubregion group capital
             population gdpUsd gdpSource contributionUsd } }"""
    de = (await gql("nations", q))["data"]["nation"]
    assert de["code"] == "DE" and de["alpha3"] == "DEU" and de["numericCode"] == "276"
    assert (de["unRegion"], de["unSubregion"], de["group"]) == ("Europe", "Western Europe", "EMEA")
    assert de["capital"] == "Berlin" and de["population"] > 70_000_000
    assert de["gdpUsd"] > 3e12 and de["gdpSource"] == "WB-WDI-2022"
    # Germany's GDP share of the default 100-billion budget is a few percent of it.
    assert 2e9 < de["contributionUsd"] < 8e9


async def test_contributions_add_up_to_the_budget(gql: Gql) -> None:
    total = 0.0
    after = None
    for _ in range(3):
        body = await gql(
            "nations",
            "query($a: String) { nations(first: 100, after: $a) { edges { node { contributionUsd } } " + PAGE + " } }",
            {"a": after},
        )
        conn = body["data"]["nations"]
        total += sum(e["node"]["contributionUsd"] or 0 for e in conn["edges"])
        after = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
    assert abs(total - 100e9) < 1.0


async def _search(gql: Gql, text: str, group: str | None = None) -> list[str]:
    body = await gql(
        "nations",
        "query($s: String, $g: Group) { nations(search: $s, group: $g, first: 10) { edges { node { code } } } }",
        {"s": text, "g": group},
    )
    return [e["node"]["code"] for e in body["data"]["nations"]["edges"]]


async def test_search_prefix_accents_and_typos(gql: Gql) -> None:
    assert (await _search(gql, "ger"))[0] == "DE"
    assert set((await _search(gql, "kore"))[:2]) == {"KR", "KP"}
    assert (await _search(gql, "cote d'ivo"))[0] == "CI"
    assert (await _search(gql, "CÔTE"))[0] == "CI"
    assert (await _search(gql, "germny"))[0] == "DE"
    assert (await _search(gql, "viet"))[0] == "VN"
    assert await _search(gql, "zzzzqqq") == []
    assert await _search(gql, "kore", "EMEA") == []
    assert (await _search(gql, "ger", "EMEA"))[0] == "DE"


async def test_bad_nation_input_is_a_graphql_error(gql: Gql) -> None:
    body = await gql("nations", '{ nation(code: "Germany!") { code } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await gql("nations", '{ nation(code: "XX") { code } }'))["data"]["nation"] is None
    for args in ('first: -1', 'first: 1000', 'after: "nonsense"'):
        body = await gql("nations", "{ nations(" + args + ") { totalCount } }")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", args
        assert "Traceback" not in str(body)


async def test_entities_resolve_nations_by_key(gql: Gql) -> None:
    body = await gql(
        "nations",
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code name } } }',
        {"r": [{"__typename": "Nation", "code": "JP"}, {"__typename": "Nation", "code": "XX"}]},
    )
    assert body["data"]["_entities"] == [{"code": "JP", "name": "Japan"}, None]
