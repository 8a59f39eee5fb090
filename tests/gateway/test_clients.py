"""Real GraphQL clients against the gateway: Python `gql`, npm `@apollo/client`, and plain
GraphQL-over-HTTP GET requests asking for `application/graphql-response+json`."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport

from tests.gateway._fixtures_clients import (
    TOOLS_NODE,
    Service,
    benchmark_expected,
    benchmark_query,
    benchmark_subgraphs,
    gateway_process,
)

__all__ = ["benchmark_subgraphs", "gateway_process"]  # fixtures used by name

APOLLO_SCRIPT = Path(__file__).resolve().parent / "clients" / "apollo_client_query.mjs"
GRAPHQL_RESPONSE = "application/graphql-response+json"

# Variables, fragments on three entity types, and fields from all four subgraphs.
PRODUCTS_WITH_AUTHORS = """
query TopProductsWithAuthors($first: Int!, $userId: ID!) {
  topProducts(first: $first) { ...ProductFields reviews { ...ReviewFields author { ...UserFields } } }
  user(id: $userId) { ...UserFields }
}
fragment ProductFields on Product { upc name price inStock }
fragment ReviewFields on Review { id body }
fragment UserFields on User { id username name }
"""
TYPE_OF_FIELD = {"topProducts": "Product", "reviews": "Review", "author": "User", "user": "User"}


def expected_products_with_authors(first: int, user_id: str) -> dict[str, Any]:
    """PRODUCTS_WITH_AUTHORS's answer, cut from the benchmark's known-good response."""
    data = benchmark_expected()["data"]

    def user(u: dict[str, Any]) -> dict[str, Any]:
        return {k: u[k] for k in ("id", "username", "name")}

    products = [
        {
            **{k: p[k] for k in ("upc", "name", "price", "inStock")},
            "reviews": [{"id": r["id"], "body": r["body"], "author": user(r["author"])} for r in p["reviews"]],
        }
        for p in data["topProducts"][:first]
    ]
    (chosen,) = [u for u in data["users"] if u["id"] == user_id]
    return {"topProducts": products, "user": user(chosen)}


def without_typenames(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_typenames(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [without_typenames(v) for v in value]
    return value


def typename_errors(value: Any, expected_type: str | None = None, where: str = "data") -> list[str]:
    """Objects whose __typename is missing or wrong for the field holding them."""
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in typename_errors(v, expected_type, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    problems = []
    if expected_type is not None and value.get("__typename") != expected_type:
        problems.append(f"{where}: __typename {value.get('__typename')!r}, expected {expected_type!r}")
    for key, child in value.items():
        problems += typename_errors(child, TYPE_OF_FIELD.get(key), f"{where}.{key}")
    return problems


async def test_gql_runs_the_benchmark_query(gateway_process: Service) -> None:
    transport = AIOHTTPTransport(url=f"{gateway_process.url}/graphql")
    # fetch_schema_from_transport: gql introspects the gateway and validates queries against it.
    async with Client(transport=transport, fetch_schema_from_transport=True, execute_timeout=30) as session:
        result = await session.execute(gql(benchmark_query()))
        schema = session.client.schema
        assert schema is not None
        variables = GraphQLRequest(PRODUCTS_WITH_AUTHORS, variable_values={"first": 3, "userId": "4"})
        with_variables = await session.execute(variables)

    assert result == benchmark_expected()["data"]
    assert json.dumps(result) == json.dumps(benchmark_expected()["data"])  # key order too
    assert with_variables == expected_products_with_authors(3, "4")
    # The client sees the API schema: federation machinery stays inside the gateway.
    names = set(schema.type_map)
    assert {"Query", "Product", "Review", "User"} <= names
    assert not [n for n in names if n.startswith(("join__", "link__", "_Entity", "_Service"))]
    assert "_entities" not in schema.query_type.fields and "_service" not in schema.query_type.fields


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed")
    assert (TOOLS_NODE / "node_modules" / "@apollo" / "client").is_dir(), "run `make node-deps`"
    return found


def run_apollo_client(node: str, gateway: Service, operations: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        [node, str(APOLLO_SCRIPT), f"{gateway.url}/graphql", str(TOOLS_NODE)],
        input=json.dumps(operations), capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout)
    assert isinstance(output, dict)
    return output


@pytest.mark.node
def test_apollo_client_query_with_variables_and_fragments(node: str, gateway_process: Service) -> None:
    out = run_apollo_client(node, gateway_process, {
        "query": PRODUCTS_WITH_AUTHORS,
        "variables": {"first": 2, "userId": "2"},
        "badVariables": {"first": "two", "userId": "2"},
    })

    assert out["network"]["errors"] is None
    data = out["network"]["data"]
    assert without_typenames(data) == expected_products_with_authors(2, "2")
    # Apollo adds __typename to every selection and normalizes by it: both must round-trip.
    assert typename_errors(data) == []
    assert out["cached"]["data"] == data
    assert {'Product:{"upc":"1"}', 'Product:{"upc":"2"}', "User:1", "User:2", "Review:1"} <= set(out["cacheKeys"])

    via_get = out["get"]
    assert via_get["errors"] is None and via_get["data"] == data
    assert [r["method"] for r in via_get["sent"]] == ["GET"]
    assert "variables=" in via_get["sent"][0]["url"] and "operationName=TopProductsWithAuthors" in via_get["sent"][0]["url"]

    # Automatic persisted queries: hash only (GET), text on PERSISTED_QUERY_NOT_FOUND (POST), then
    # the hash alone is enough.
    apq = out["apq"]
    assert apq["first"] == {"data": data, "errors": None} and apq["second"] == apq["first"]
    assert [(r["method"], r["status"]) for r in apq["sent"]] == [("GET", 200), ("POST", 200), ("GET", 200)]
    hashed_only = [apq["sent"][0], apq["sent"][2]]
    assert all("persistedQuery" in r["url"] and "query=" not in r["url"] for r in hashed_only)
    assert '"query":' in apq["sent"][1]["body"]

    bad = out["bad"]
    assert "thrown" not in bad, bad
    assert bad["data"] is None
    assert [e["extensions"]["code"] for e in bad["errors"]] == ["BAD_USER_INPUT"]
    assert "$first" in bad["errors"][0]["message"]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0, headers={"accept": GRAPHQL_RESPONSE}) as client:
        yield client


def get(http: httpx.Client, gateway: Service, **params: str) -> httpx.Response:
    return http.get(f"{gateway.url}/graphql", params=params)


def test_get_query_with_variables_and_operation_name(http: httpx.Client, gateway_process: Service) -> None:
    document = PRODUCTS_WITH_AUTHORS + "\nquery JustNames { topProducts { name } }"
    response = get(
        http, gateway_process, query=document, operationName="TopProductsWithAuthors",
        variables=json.dumps({"first": 1, "userId": "3"}),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": expected_products_with_authors(1, "3")}

    names = get(http, gateway_process, query=document, operationName="JustNames")
    expected_names = [{"name": p["name"]} for p in benchmark_expected()["data"]["topProducts"]]
    assert names.json() == {"data": {"topProducts": expected_names}}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"query": "{ topProducts { nope } }"}, "GRAPHQL_VALIDATION_FAILED", id="invalid"),
        pytest.param({"query": "{ topProducts { name "}, "GRAPHQL_PARSE_FAILED", id="unparsable"),
        pytest.param({"query": "query ($n: Int!) { topProducts(first: $n) { name } }", "variables": '{"n": "x"}'},
                     "BAD_USER_INPUT", id="bad-variable"),
        pytest.param({"query": "{ topProducts { name } }", "variables": "{not json"}, "BAD_REQUEST", id="variables-not-json"),
        pytest.param({"variables": "{}"}, "BAD_REQUEST", id="no-query"),
    ],
)
def test_get_request_errors_are_4xx(
    http: httpx.Client, gateway_process: Service, params: dict[str, str], code: str
) -> None:
    response = get(http, gateway_process, **params)
    # application/graphql-response+json: a request that cannot execute is a 4xx, without `data`.
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_get_legacy_json_answers_200(gateway_process: Service) -> None:
    with httpx.Client(timeout=15.0, headers={"accept": "application/json"}) as legacy:
        response = get(legacy, gateway_process, query="{ topProducts { nope } }")
    # application/json: well-formed requests get 200 whatever the outcome (legacy clients).
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def _aliased_cases() -> list[Any]:
    data = benchmark_expected()["data"]
    users, products = data["users"], data["topProducts"]
    return [
        pytest.param(
            "{ users { id: name reviews { id } } }",
            {"users": [{"id": u["name"], "reviews": [{"id": r["id"]} for r in u["reviews"]]} for u in users]},
            id="User.id-alias-over-the-key",
        ),
        pytest.param(
            "{ topProducts(first: 2) { upc: name reviews { id } } }",
            {"topProducts": [{"upc": p["name"], "reviews": [{"id": r["id"]} for r in p["reviews"]]} for p in products[:2]]},
            id="Product.upc-alias-over-the-key",
        ),
        pytest.param(
            "{ topProducts(first: 1) { shippingEstimate price: weight } }",
            {"topProducts": [{"shippingEstimate": products[0]["shippingEstimate"], "price": products[0]["weight"]}]},
            id="alias-over-a-required-field",
        ),
    ]


@pytest.mark.parametrize(("query", "data"), _aliased_cases())
def test_client_aliases_may_reuse_names_the_gateway_needs(
    http: httpx.Client, gateway_process: Service, query: str, data: dict[str, Any]
) -> None:
    """Aliases are the client's: one named like a key or @requires field (which the gateway must
    fetch for itself under another response key) is still a valid query with a plain answer."""
    response = http.post(f"{gateway_process.url}/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    assert response.json() == {"data": data}
