"""The nations subgraph: 195 nations, lookups, the searchable selector, paging and bad input."""

from __future__ import annotations

import httpx
import pytest

from infra.inprocess import serve_in_loop
from infra.stack import InProcessStack
from infra.testing import Gql
from subgraphs.common.app import create_app
from subgraphs.nations import index_cache
from subgraphs.nations.catalog import read_data
from subgraphs.registry import schema_of
from subgraphs.settings import Settings

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


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ελλάδα", "GR"),  # Greek
        ("ελλαδα", "GR"),  # without the accent
        ("Deutschland", "DE"),
        ("日本", "JP"),
        ("Россия", "RU"),
        ("россия", "RU"),
        ("مصر", "EG"),
        ("ivory coast", "CI"),
        ("Burma", "MM"),
        ("swaziland", "SZ"),
        ("holland", "NL"),
        ("zaire", "CD"),
        ("Micronesia", "FM"),
        ("saint lucia", "LC"),
        ("St. Lucia", "LC"),
    ],
)
async def test_search_finds_names_in_other_languages_and_old_names(gql: Gql, text: str, code: str) -> None:
    assert (await _search(gql, text))[0] == code


async def test_search_ranks_exact_then_prefix_matches_first(gql: Gql) -> None:
    found = await _search(gql, "united")
    assert found[:3] == ["AE", "GB", "US"]  # names that start with it, alphabetical
    assert {"MX", "TZ"} <= set(found[3:])  # "United Mexican States", "Tanzania, United Republic of"
    assert (await _search(gql, "niger"))[:2] == ["NE", "NG"]  # exact before prefix
    assert (await _search(gql, "guinea"))[0] == "GN"
    assert (await _search(gql, "korea"))[:2] == ["KR", "KP"]


@pytest.mark.parametrize("text", ["!!!", "   ", "123", "-", "'", "🙂", "42 !"])
async def test_search_without_a_letter_finds_nothing(gql: Gql, text: str) -> None:
    body = await gql("nations", "query($s: String) { nations(search: $s) { totalCount edges { node { code } } } }", {"s": text})
    assert body["data"]["nations"] == {"totalCount": 0, "edges": []}


async def test_search_pages_and_counts_its_matches(gql: Gql) -> None:
    q = "query($s: String, $a: String) { nations(search: $s, first: 2, after: $a) { " + PAGE + " edges { node { code } } } }"
    first = (await gql("nations", q, {"s": "united"}))["data"]["nations"]
    rest = (await gql("nations", q, {"s": "united", "a": first["pageInfo"]["endCursor"]}))["data"]["nations"]
    assert [e["node"]["code"] for e in first["edges"] + rest["edges"]][:3] == ["AE", "GB", "US"]
    assert first["totalCount"] == rest["totalCount"] == len(await _search(gql, "united"))
    everything = (await gql("nations", '{ nations(search: "") { totalCount } }'))["data"]["nations"]
    assert everything["totalCount"] == 195  # empty is no search at all


async def test_data_matches_its_source_files(gql: Gql) -> None:
    """Every nation's population and GDP are the 2022 figures of the data files, which name
    their source and year."""
    population = {r["iso3"]: int(r["population"]) for r in read_data("population.csv")}
    gdp = {r["iso3"]: r for r in read_data("gdp.csv")}
    assert {r["source"] for r in read_data("population.csv")} == {"WB-WDI-2022"}
    served = []
    after = None
    while True:
        body = await gql(
            "nations",
            "query($a: String) { nations(first: 100, after: $a) { edges { node { code alpha3 name population"
            " gdpUsd gdpSource } } " + PAGE + " } }",
            {"a": after},
        )
        conn = body["data"]["nations"]
        served += [e["node"] for e in conn["edges"]]
        after = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
    assert len(served) == 195
    for nation in served:
        iso3 = nation["alpha3"]
        assert nation["population"] == population.get(iso3), iso3
        musd = int(gdp[iso3]["gdp_musd"])
        assert nation["gdpUsd"] == (musd * 1e6 if musd > 0 else None), iso3
        assert nation["gdpSource"] == gdp[iso3]["source"]
        assert "St." not in nation["name"] and "Fed." not in nation["name"], nation["name"]
    by_code = {n["code"]: n for n in served}
    assert by_code["DE"]["population"] == 83_797_985  # WDI SP.POP.TOTL 2022
    assert by_code["VA"]["population"] is None  # the World Bank publishes none
    assert (by_code["FM"]["name"], by_code["LC"]["name"]) == ("Micronesia", "Saint Lucia")


@pytest.mark.parametrize("code", ["DE", "de", "De", "DEU", "deu", "dEu"])
async def test_nation_accepts_alpha2_and_alpha3_in_any_case(gql: Gql, code: str) -> None:
    body = await gql("nations", "query($c: String!) { nation(code: $c) { code alpha3 } }", {"c": code})
    assert body["data"]["nation"] == {"code": "DE", "alpha3": "DEU"}


async def test_entity_keys_follow_the_same_code_rule(gql: Gql) -> None:
    body = await gql(
        "nations",
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Nation { code } } }',
        {"r": [{"__typename": "Nation", "code": c} for c in ("jp", "JPN", "jpn", "QQQ")]},
    )
    assert body["data"]["_entities"] == [{"code": "JP"}, {"code": "JP"}, {"code": "JP"}, None]


async def test_bad_nation_input_is_a_graphql_error(gql: Gql) -> None:
    body = await gql("nations", '{ nation(code: "Germany!") { code } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await gql("nations", '{ nation(code: "XX") { code } }'))["data"]["nation"] is None
    assert (await gql("nations", '{ nation(code: "QQQ") { code } }'))["data"]["nation"] is None
    for bad in ("D", "DEUT", "d3", " de", "ÄÖ"):
        body = await gql("nations", "query($c: String!) { nation(code: $c) { code } }", {"c": bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    body = await gql("nations", "query($s: String) { nations(search: $s) { totalCount } }", {"s": "x" * 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
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


async def test_a_search_costs_one_statement_like_a_lookup(stack: InProcessStack, gql: Gql) -> None:
    """The index was built at startup: a search (even the first for its text) sends the one
    statement that fetches its page, as a lookup by code does; no per-request name loading."""
    await gql("nations", '{ nation(code: "SE") { name } }')  # the engine's first connection costs extra
    costs = []
    for query in ('{ nation(code: "NO") { name } }', '{ nations(search: "Norge", first: 5) { edges { node { code } } } }'):
        before = stack.statements()
        body = await gql("nations", query)
        assert "errors" not in body, body
        costs.append(stack.statements() - before)
    assert costs[0] == costs[1] >= 1, costs


async def test_the_search_index_is_built_at_startup(stack: InProcessStack, http: httpx.AsyncClient) -> None:
    # The same database under another spelling of its URL: a database this process has no index for.
    url = "postgres://" + stack.cluster.primary_url().split("://", 1)[1]
    assert not index_cache.is_built(url)
    served = serve_in_loop(create_app(schema_of("nations"), Settings(region="ams", primary_url=url, replica_url=None), "nations"))
    try:
        body = (await http.post(served.url, json={"query": '{ nation(code: "fi") { name } }'})).json()
        assert body["data"]["nation"] == {"name": "Finland"}
        assert index_cache.is_built(url)  # before any search asked for it
        body = (await http.post(served.url, json={"query": '{ nations(search: "Suomi") { edges { node { code } } } }'})).json()
        assert body["data"]["nations"]["edges"] == [{"node": {"code": "FI"}}]
    finally:
        await served.stop()
