"""The benchmark subgraphs are real federation subgraphs, faithful to the public scenario."""

from __future__ import annotations

import orjson
import pytest

from bench.federation.check import post
from bench.federation.workload import Workload


def graphql(url: str, query: str, variables: dict[str, object] | None = None) -> tuple[int, dict]:
    status, body = post(url, orjson.dumps({"query": query, "variables": variables}))
    return status, orjson.loads(body)


@pytest.mark.parametrize("name", ["accounts", "inventory", "products", "reviews"])
def test_each_subgraph_serves_its_federation_sdl(subgraphs_url: str, name: str) -> None:
    status, answer = graphql(f"{subgraphs_url}/{name}", "{ _service { sdl } }")
    assert status == 200
    sdl = answer["data"]["_service"]["sdl"]
    assert "@key(fields:" in sdl
    assert "_entities" not in sdl  # the original SDL, not the federation-augmented schema


def test_reviews_entities_keep_the_reference_quirks(subgraphs_url: str) -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { id reviews { id author { id username } } }
      ... on Product { upc reviews { id } } } }"""
    reps = [{"__typename": "User", "id": "4"}, {"__typename": "Product", "upc": "2"}]
    status, answer = graphql(f"{subgraphs_url}/reviews", query, {"r": reps})
    assert status == 200, answer
    user, product = answer["data"]["_entities"]
    assert [r["id"] for r in user["reviews"]] == ["1", "2"]
    assert user["reviews"][0]["author"] == {"id": "1", "username": "urigo"}
    assert [r["id"] for r in product["reviews"]] == ["5", "6", "7", "8"]


def test_inventory_ignores_required_fields_so_shipping_is_null(subgraphs_url: str) -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Product { upc inStock shippingEstimate } } }"""
    reps = [{"__typename": "Product", "upc": "1", "price": 899, "weight": 100}]
    status, answer = graphql(f"{subgraphs_url}/inventory", query, {"r": reps})
    assert status == 200
    assert answer["data"]["_entities"] == [{"upc": "1", "inStock": True, "shippingEstimate": None}]


def test_arbitrary_queries_and_memoised_answers(subgraphs_url: str) -> None:
    body = b'{"query":"{ topProducts(first: 2) { upc name price } }"}'
    first = post(f"{subgraphs_url}/products", body)
    second = post(f"{subgraphs_url}/products", body)
    assert first == second
    assert orjson.loads(first[1])["data"]["topProducts"] == [
        {"upc": "1", "name": "Table", "price": 899},
        {"upc": "2", "name": "Couch", "price": 1299},
    ]
    status, answer = graphql(
        f"{subgraphs_url}/accounts", '{ user(id: "3") { username } me { id } }'
    )
    assert status == 200
    assert answer["data"] == {"user": {"username": "kamilkisiela"}, "me": {"id": "1"}}


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/accounts", b"not json", 400, "not valid JSON"),
        ("/accounts", b'{"variables": {}}', 400, "string 'query'"),
        ("/accounts", b'{"query": "{ nope }"}', 200, "Cannot query field 'nope'"),
        ("/nowhere", b'{"query": "{ me { id } }"}', 404, "no subgraph at /nowhere"),
        (
            "/reviews",
            b'{"query": "{ _entities(representations: [{__typename: \\"Nope\\"}]) { __typename } }"}',
            200,
            "not an entity of this subgraph",
        ),
    ],
)
def test_bad_input_gets_a_graphql_error(
    subgraphs_url: str, path: str, body: bytes, status: int, message: str
) -> None:
    got_status, raw = post(subgraphs_url + path, body)
    assert got_status == status
    errors = orjson.loads(raw)["errors"]
    assert message in errors[0]["message"]


def test_supergraph_points_at_the_given_base(workload: Workload) -> None:
    text = workload.supergraph_for("http://127.0.0.1:5999/")
    assert "http://127.0.0.1:5999/reviews" in text
    assert ":4200" not in text
