"""Property-based fuzzing of a running `charter gateway` (authentication and demand control on):
HTTP bodies, documents, variables and JWTs. Whatever arrives: no 5xx, no traceback or internal
path in the body, and the process keeps serving."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.auth_support import Keys, protected_supergraph
from tests.gateway.gateway_support import Proc

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LEAKS = ("Traceback", 'File "', ".py", "/work/", "site-packages")
# An internal address has a port. (Hypothesis draws text from the string literals of the code it
# runs: a bare "127.0.0.1:" literal came back as a variable's value, echoed in its error.)
ADDRESS = re.compile(r"\b127\.0\.0\.1:\d+")


@pytest.fixture(scope="module")
def fuzz_gateway(bench_supergraph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Keys]]:
    from tests.gateway.gateway_support import REPO, free_port, spawn

    directory = tmp_path_factory.mktemp("fuzz")
    keys = Keys(directory)
    sg = directory / "protected.graphql"
    sg.write_text(protected_supergraph(bench_supergraph.read_text()))
    port = free_port()
    proc = spawn(
        [str(REPO / ".venv/bin/charter"), "gateway", "--supergraph", str(sg), "--port", str(port), "--jwks", str(keys.path),
         "--max-cost", "5000", "--no-dedup"],
        port, "/health",
    )
    yield proc, keys
    proc.stop()


@pytest.fixture(scope="module")
def client(fuzz_gateway: tuple[Proc, Keys]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fuzz_gateway[0].url, timeout=30) as c:
        yield c


def check(r: httpx.Response) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:500])
    text = r.text
    # The client's own input echoed in its error is no leak (and hypothesis draws text from the
    # literals of the code it runs: these very strings come back as values).
    sent = (r.request.content or b"").decode(errors="replace") + str(r.request.url) + r.request.headers.get("authorization", "")
    for leak in LEAKS:
        assert leak not in text or leak in sent, (leak, text[:500])
    for address in ADDRESS.findall(text):
        assert address in sent, text[:500]
    if r.headers.get("content-type", "").startswith("application/"):
        json.loads(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
GRAPHQL_PIECES = st.sampled_from(
    ["{", "}", "(", ")", ":", "$v", "...", "on", "fragment F", "query", "mutation", "subscription", "topProducts",
     "upc", "name", "reviews", "me", "user(id: 1)", "first: 3", "@skip(if: true)", "@include(if: $v)", "__typename",
     "__schema { types { name } }", "\"s\"", "1e999", "-0", "[1, 2]", "{a: 1}", " ", ",", "!", "=", "#", "\\u0000"]
)


@FUZZ
@given(body=st.binary(max_size=300))
def test_raw_bodies(client: httpx.Client, body: bytes) -> None:
    check(client.post("/graphql", content=body, headers={"content-type": "application/json"}))


@FUZZ
@given(payload=json_values)
def test_json_bodies(client: httpx.Client, payload: Any) -> None:
    check(client.post("/graphql", json=payload))


@FUZZ
@given(query=st.lists(GRAPHQL_PIECES, max_size=25).map(" ".join), variables=json_values)
def test_documents_and_variables(client: httpx.Client, query: str, variables: Any) -> None:
    check(client.post("/graphql", json={"query": query, "variables": variables}))
    check(client.get("/graphql", params={"query": query, "variables": json.dumps(variables)}))


@FUZZ
@given(first=json_values, id_=json_values)
def test_variables_of_a_real_query(client: httpx.Client, first: Any, id_: Any) -> None:
    q = "query($first: Int, $id: ID!) { topProducts(first: $first) { upc reviews { body } } user(id: $id) { name birthday } }"
    check(client.post("/graphql", json={"query": q, "variables": {"first": first, "id": id_}}))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@FUZZ
@given(
    header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "jku", "x5u", "crit"]), json_values, max_size=4),
    claims=st.dictionaries(st.sampled_from(["exp", "nbf", "iat", "iss", "aud", "sub", "scope", "scp"]), json_values, max_size=6),
    signature=st.binary(max_size=80),
    scheme=st.sampled_from(["Bearer ", "bearer ", "Basic ", "", "Bearer  "]),
)
def test_jwts(client: httpx.Client, header: dict[str, Any], claims: dict[str, Any], signature: bytes, scheme: str) -> None:
    token = ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)])
    r = client.post("/graphql", json={"query": "{ me { id birthday } }"}, headers={"authorization": scheme + token})
    check(r)
    assert r.status_code == 401  # no forged token gets through


@FUZZ
@given(claims=st.dictionaries(st.sampled_from(["exp", "nbf", "iat", "iss", "aud", "sub", "scope", "scp", "role"]), json_values, max_size=6),
       alg=st.sampled_from(["ES256", "RS256", "HS256"]))
def test_signed_tokens_with_odd_claims(client: httpx.Client, fuzz_gateway: tuple[Proc, Keys], claims: dict[str, Any], alg: str) -> None:
    import jwt

    keys = fuzz_gateway[1]
    signing = {"ES256": keys.ec, "RS256": keys.rsa, "HS256": b"a-shared-secret-of-at-least-32-bytes!!"}[alg]
    kid = {"ES256": "ec-1", "RS256": "rsa-1", "HS256": "hs-1"}[alg]
    try:
        token = jwt.encode(claims, signing, algorithm=alg, headers={"kid": kid})
    except (TypeError, ValueError):
        return  # claims PyJWT itself cannot encode
    check(client.post("/graphql", json={"query": "{ me { id birthday } topProducts(first: 1) { reviews { id } } }"},
                      headers={"authorization": f"Bearer {token}"}))


def test_still_alive_after_fuzzing(client: httpx.Client) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert client.post("/graphql", json={"query": "{ topProducts(first: 1) { upc } }"}).json()["data"]["topProducts"]
