"""GraphQL over HTTP as our gateway must speak it, including every kind of bad input.

Expectations follow the GraphQL-over-HTTP spec (graphql.github.io/graphql-over-http): with
`Accept: application/graphql-response+json` a request error (no `data`) is a 4xx and the body has
that media type; with `application/json` the answer is `application/json`; GET may carry queries
but never mutations (405); requests that are not well-formed get 400 with a GraphQL error body.
Subgraph failures are not request errors: 200 with partial data and an error whose
`extensions.code` names what failed (Apollo Router's names: SUBREQUEST_HTTP_ERROR,
SUBREQUEST_MALFORMED_RESPONSE, GATEWAY_TIMEOUT). Nothing may ever show a traceback.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from typing import Any

import httpx
import pytest
from conftest import GatewayFor, SubgraphServer
from harness.client import GRAPHQL_PATH
from harness.processes import Server

GOOD_QUERY = '{ product(id: "p1") { name reviews { stars } } }'
GOOD_DATA = {"product": {"name": "Atlas", "reviews": [{"stars": 5}, {"stars": 3}]}}
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
def basics(gateway_for: GatewayFor) -> Server:
    return gateway_for("basics")


def _url(gateway: Server) -> str:
    return gateway.url + GRAPHQL_PATH


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def assert_graphql_error(response: httpx.Response, status: int | set[int] = 400) -> dict[str, Any]:
    """A request error: the status, a JSON body with a non-empty errors list, no traceback."""
    allowed = {status} if isinstance(status, int) else status
    assert response.status_code in allowed, (response.status_code, response.text)
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert _media_type(response) in ("application/json", GRAPHQL_RESPONSE), response.headers
    body = response.json()
    assert isinstance(body.get("errors"), list) and body["errors"], body
    assert all(isinstance(e.get("message"), str) and e["message"] for e in body["errors"]), body
    return body


@pytest.mark.scenario("basics")
def test_post_json_answers_json(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), json={"query": GOOD_QUERY}, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert _media_type(response) == "application/json"
    assert response.json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_post_graphql_response_json(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), json={"query": GOOD_QUERY}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert _media_type(response) == GRAPHQL_RESPONSE
    assert response.json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_no_accept_header_means_json(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), content=json.dumps({"query": GOOD_QUERY}),
                         headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert _media_type(response) == "application/json"
    assert response.json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_validation_error_is_400_with_graphql_response_json(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), json={"query": "{ product(id: 1) { nope } }"},
                         headers={"accept": GRAPHQL_RESPONSE})
    body = assert_graphql_error(response, 400)
    assert _media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# A GraphQL request error (parse, validation, operation selection) in a well-formed HTTP request:
# the spec wants 4xx under application/graphql-response+json, and 200 under application/json
# (where Apollo Server answers 400, so both are accepted there).
REQUEST_ERROR_STATUS = {GRAPHQL_RESPONSE: {400}, "application/json": {200, 400}}


@pytest.mark.parametrize("accept", list(REQUEST_ERROR_STATUS))
@pytest.mark.scenario("basics")
def test_parse_error(http: httpx.Client, basics: Server, accept: str) -> None:
    response = http.post(_url(basics), json={"query": "{ product("}, headers={"accept": accept})
    body = assert_graphql_error(response, REQUEST_ERROR_STATUS[accept])
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert _media_type(response) == accept


@pytest.mark.scenario("basics")
def test_get_query(http: httpx.Client, basics: Server) -> None:
    params = {"query": 'query P($id: ID!) { product(id: $id) { name } }', "variables": '{"id": "p2"}',
              "operationName": "P"}
    response = http.get(_url(basics), params=params, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"data": {"product": {"name": "Chess"}}}


@pytest.mark.scenario("mutations")
def test_get_mutation_is_405_and_not_executed(
    http: httpx.Client, gateway_for: GatewayFor, subgraph_server: SubgraphServer
) -> None:
    gateway = gateway_for("mutations")
    subgraph_server.reset()
    response = http.get(_url(gateway), params={"query": 'mutation { record(note: "get") { sequence } }'})
    assert_graphql_error(response, 405)
    assert subgraph_server.requests("mutations") == []


@pytest.mark.parametrize(
    "content",
    [b'{"query": "{ product(id: \\"p1\\") { name } }"', b"not json at all", b"\xff\xfe\x00", b""],
    ids=["truncated", "text", "binary", "empty"],
)
@pytest.mark.scenario("basics")
def test_malformed_json_is_400(http: httpx.Client, basics: Server, content: bytes) -> None:
    assert_graphql_error(http.post(_url(basics), content=content, headers={"content-type": "application/json"}))


@pytest.mark.parametrize(
    "payload",
    [{}, {"query": None}, {"query": 42}, {"variables": {}}, [], ["{ __typename }"], "{ __typename }"],
    ids=["empty-object", "null-query", "number-query", "variables-only", "empty-list", "list", "string"],
)
@pytest.mark.scenario("basics")
def test_missing_or_non_string_query_is_400(http: httpx.Client, basics: Server, payload: Any) -> None:
    assert_graphql_error(http.post(_url(basics), json=payload))


@pytest.mark.scenario("basics")
def test_wrong_content_type_is_rejected(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), content=json.dumps({"query": GOOD_QUERY}),
                         headers={"content-type": "text/plain"})
    # 400 (a request that is not well-formed) or 415 (unsupported media type) both follow the spec.
    assert_graphql_error(response, {400, 415})


@pytest.mark.parametrize("accept", list(REQUEST_ERROR_STATUS))
@pytest.mark.scenario("basics")
def test_unknown_operation_name(http: httpx.Client, basics: Server, accept: str) -> None:
    payload = {"query": "query A { __typename } query B { __typename }", "operationName": "C"}
    response = http.post(_url(basics), json=payload, headers={"accept": accept})
    assert "data" not in assert_graphql_error(response, REQUEST_ERROR_STATUS[accept])


@pytest.mark.parametrize("accept", list(REQUEST_ERROR_STATUS))
@pytest.mark.scenario("basics")
def test_several_operations_without_name(http: httpx.Client, basics: Server, accept: str) -> None:
    payload = {"query": "query A { __typename } query B { __typename }"}
    response = http.post(_url(basics), json=payload, headers={"accept": accept})
    assert "data" not in assert_graphql_error(response, REQUEST_ERROR_STATUS[accept])


@pytest.mark.parametrize("variables", [[1], "id=p1", 7], ids=["list", "string", "number"])
@pytest.mark.scenario("basics")
def test_variables_not_an_object_is_400(http: httpx.Client, basics: Server, variables: Any) -> None:
    payload = {"query": "query ($id: ID!) { product(id: $id) { name } }", "variables": variables}
    assert_graphql_error(http.post(_url(basics), json=payload))


@pytest.mark.scenario("basics")
def test_variable_coercion_error_is_400_bad_user_input(http: httpx.Client, basics: Server) -> None:
    payload = {"query": "query ($first: Int) { products(first: $first) { id } }", "variables": {"first": "x"}}
    body = assert_graphql_error(http.post(_url(basics), json=payload, headers={"accept": GRAPHQL_RESPONSE}))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in body


@pytest.mark.scenario("basics")
def test_unsupported_method_is_405(http: httpx.Client, basics: Server) -> None:
    response = http.put(_url(basics), json={"query": GOOD_QUERY})
    assert response.status_code == 405


FAILURES = [
    ("stock", {"SUBREQUEST_HTTP_ERROR"}),  # nothing listens at the subgraph's URL
    ("eta", {"GATEWAY_TIMEOUT"}),  # the subgraph answers after the 2 s timeout
    ("html", {"SUBREQUEST_MALFORMED_RESPONSE"}),  # 200 with an HTML body
    ("shape", {"SUBREQUEST_MALFORMED_RESPONSE"}),  # JSON that is no GraphQL response
    ("crash", {"SUBREQUEST_HTTP_ERROR"}),  # HTTP 500
]


@pytest.mark.parametrize(("field", "codes"), FAILURES, ids=[f for f, _ in FAILURES])
@pytest.mark.scenario("subgraph_failures")
def test_subgraph_failure_gives_partial_data_and_coded_error(
    http: httpx.Client, gateway_for: GatewayFor, field: str, codes: set[str]
) -> None:
    gateway = gateway_for("subgraph_failures")
    response = http.post(_url(gateway), json={"query": f"{{ things {{ name {field} }} }}"},
                         headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"things": [{"name": "One", field: None}, {"name": "Two", field: None}]}
    found = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
    assert found & codes, f"expected one of {codes} in {body.get('errors')}"
    assert "Traceback" not in response.text


@pytest.mark.scenario("basics")
def test_gateway_keeps_serving_after_bad_input(http: httpx.Client, basics: Server) -> None:
    for content in (b"{", b'{"query": 1}', b"\x00" * 1024, b'{"query": "{ a { b { c } } "}'):
        http.post(_url(basics), content=content, headers={"content-type": "application/json"})
    assert basics.process.poll() is None, basics.log()
    assert http.get(basics.url + "/health").status_code == 200
    assert http.post(_url(basics), json={"query": GOOD_QUERY}).json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_null_variables_and_operation_name_are_accepted(http: httpx.Client, basics: Server) -> None:
    payload = {"query": GOOD_QUERY, "variables": None, "operationName": None, "extensions": {}}
    response = http.post(_url(basics), json=payload)
    assert response.status_code == 200
    assert response.json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_json_content_type_with_charset(http: httpx.Client, basics: Server) -> None:
    response = http.post(_url(basics), content=json.dumps({"query": GOOD_QUERY}).encode(),
                         headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200
    assert response.json() == {"data": GOOD_DATA}


@pytest.mark.scenario("basics")
def test_get_with_malformed_variables_is_400(http: httpx.Client, basics: Server) -> None:
    params = {"query": "query ($id: ID!) { product(id: $id) { name } }", "variables": "{not json"}
    assert_graphql_error(http.get(_url(basics), params=params, headers={"accept": "application/json"}))


@pytest.mark.scenario("basics")
def test_get_without_query_is_400(http: httpx.Client, basics: Server) -> None:
    response = http.get(_url(basics), params={"variables": "{}"}, headers={"accept": "application/json"})
    assert_graphql_error(response)


@pytest.mark.scenario("subgraph_failures")
def test_subgraph_errors_keep_their_code(http: httpx.Client, gateway_for: GatewayFor) -> None:
    gateway = gateway_for("subgraph_failures")
    response = http.post(_url(gateway), json={"query": "{ things { name oops } }"})
    assert response.status_code == 200
    codes = {e.get("extensions", {}).get("code") for e in response.json()["errors"]}
    assert "EXPLODED" in codes


@pytest.mark.scenario("mutations")
def test_get_may_select_the_query_of_a_document_with_a_mutation(
    http: httpx.Client, gateway_for: GatewayFor, subgraph_server: SubgraphServer
) -> None:
    gateway = gateway_for("mutations")
    subgraph_server.reset()
    document = 'query Q { log } mutation M { record(note: "no") { sequence } }'
    ok = http.get(_url(gateway), params={"query": document, "operationName": "Q"})
    assert ok.status_code == 200 and ok.json() == {"data": {"log": []}}
    refused = http.get(_url(gateway), params={"query": document, "operationName": "M"})
    assert_graphql_error(refused, 405)
    assert [r["subgraph"] for r in subgraph_server.requests("mutations")] == ["inventory"]


def _wait_for_request_to(server: SubgraphServer, subgraph: str, within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while not [r for r in server.requests("subgraph_failures") if r["subgraph"] == subgraph]:
        assert time.monotonic() < deadline, f"no request reached {subgraph}"
        time.sleep(0.02)  # the recorder is polled over HTTP: there is no event to await


@pytest.mark.scenario("subgraph_failures")
def test_slow_subgraph_does_not_hold_up_other_requests(
    http: httpx.Client, gateway_for: GatewayFor, subgraph_server: SubgraphServer
) -> None:
    gateway = gateway_for("subgraph_failures")
    subgraph_server.reset()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(
            lambda: httpx.post(_url(gateway), json={"query": "{ things { eta } }"}, timeout=15.0)
        )
        _wait_for_request_to(subgraph_server, "slow")  # the slow fetch is in flight
        started = time.monotonic()
        fast = http.post(_url(gateway), json={"query": "{ things { name } }"})
        fast_seconds = time.monotonic() - started
        slow_response = slow.result(timeout=15.0)
    assert fast.json() == {"data": {"things": [{"name": "One"}, {"name": "Two"}]}}
    # The slow fetch waits for the 2 s subgraph timeout; the fast request must not queue behind it.
    assert fast_seconds < 1.5, fast_seconds
    assert slow_response.status_code == 200
    assert slow_response.json()["data"] == {"things": [{"eta": None}, {"eta": None}]}
