"""What a broken or hostile subgraph may answer (hypothesis strategies), and what the gateway
must answer its client whatever that was: a GraphQL response of the query's exact shape and
types (a wrong value becomes `null` with an error, never passed on), HTTP 200, no internals."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from bench.fuzz.subgraph import Answer

LEAKS = ("Traceback", 'File "', "site-packages", "/work/")
# An internal address has a port. (Hypothesis draws text from the string literals of the code it
# runs, so a bare "127.0.0.1:" literal here would come back as a subgraph's own message.)
ADDRESS = re.compile(r"\b127\.0\.0\.1:\d+")
INT32 = 2**31

scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right thing, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, json_values)


def _optional_keys(required: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """All the keys, or some missing."""
    full = st.fixed_dictionaries(required)
    return st.one_of(full, full, st.fixed_dictionaries({}, optional=required))


items = _optional_keys({
    "__typename": _maybe(st.just("Item")),
    "id": _maybe(st.text(min_size=1, max_size=6)),
    "name": _maybe(st.text(max_size=10)),
    "count": _maybe(st.integers(min_value=-(2**40), max_value=2**40)),
})
children = st.recursive(
    _optional_keys({"label": _maybe(st.text(max_size=5)), "depth": _maybe(st.integers())}),
    lambda inner: _optional_keys({
        "label": _maybe(st.text(max_size=5)), "depth": _maybe(st.integers()), "next": st.none() | inner,
    }),
    max_leaves=6,
)
entities = _optional_keys({
    "__typename": _maybe(st.just("Item")),
    "price": _maybe(st.floats(allow_nan=True, allow_infinity=True) | st.integers()),
    "tags": _maybe(st.lists(_maybe(st.text(max_size=5)), max_size=4)),
    "child": _maybe(st.none() | children),
})
errors = st.lists(
    _optional_keys({"message": _maybe(st.text(max_size=30)), "path": json_values, "extensions": json_values}),
    max_size=3,
)


def _dump(value: Any) -> bytes:
    # allow_nan: a subgraph that writes NaN and Infinity (not JSON) is one of the cases
    return json.dumps(value, allow_nan=True).encode()


def _graphql(data_key: str, entry: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    listed = st.lists(_maybe(entry), max_size=6)
    shaped = st.fixed_dictionaries({"data": st.fixed_dictionaries({data_key: listed | json_values})},
                                   optional={"errors": errors | json_values})
    return st.one_of(shaped, shaped, shaped, st.fixed_dictionaries({"errors": errors}), json_values).map(_dump)


raw_bodies = st.one_of(
    st.binary(max_size=200),  # invalid UTF-8 among them
    st.sampled_from([
        b"", b"{", b'{"data": {"items": [', b"null", b"[]", b'"data"', b"\xff\xfe{}",
        b'{"data": {"items": [{"id": "\xc3\x28"}]}}',  # invalid UTF-8 inside a string
        b'{"data": {"items": [{"id": "1", "count": 1e999999}]}}',
        b'{"data": {"items": [{"id": "1", "count": 123456789012345678901234567890}]}}',
        b'{"data": {"_entities": [{"price": -1e400}]}}',
        b'{"data": {"items": [{"id": "1", "id": "2", "name": "dup"}]}}',
    ]),
    st.integers(min_value=100, max_value=50_000).map(lambda n: b'{"data": ' + b"[" * n + b"]" * n + b"}"),
    st.integers(min_value=300_000, max_value=600_000).map(lambda n: b'{"data": {"items": [{"name": "' + b"x" * n + b'"}]}}'),
)
# 204 and 304 with a body (the fuzz subgraph always sends one): what once froze the gateway
# (tests/gateway/test_fuzz_subgraph_responses.py::test_a_204_with_a_large_body)
statuses = st.sampled_from([200] * 8 + [201, 204, 304, 400, 404, 429, 500, 502, 503])
content_types = st.sampled_from(
    ["application/json"] * 6 + ["application/graphql-response+json", "text/html", "application/json; charset=latin-1", ""]
)


def answers(data_key: str, entry: st.SearchStrategy[Any]) -> st.SearchStrategy[Answer]:
    body = st.one_of(*[_graphql(data_key, entry)] * 4, raw_bodies)
    return st.builds(
        lambda b, s, c: Answer(b, s, {"content-type": c} if c else {}), body, statuses, content_types,
    )


catalog_answers = answers("items", items)
pricing_answers = answers("_entities", entities)


# ---------------------------------------------------------------------------------- the client's view
def _is_string(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -INT32 <= v < INT32


def _is_float(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def _check_child(value: Any, shape: dict[str, Any], where: str) -> None:
    if value is None:
        return
    assert isinstance(value, dict) and set(value) == set(shape), (where, value)
    for key, kind in shape.items():
        v = value[key]
        if isinstance(kind, dict):
            _check_child(v, kind, f"{where}.{key}")
        elif kind == "String!":
            assert _is_string(v), (where, key, v)
        elif kind == "Int!":
            assert _is_int(v), (where, key, v)
        elif kind == "Int":
            assert v is None or _is_int(v), (where, key, v)


CHILD = {"label": "String!", "depth": "Int!", "next": {"label": "String!", "next": {"label": "String!", "depth": "Int!"}}}


def check(status: int, content_type: str, text: str, sent: bytes = b"") -> dict[str, Any]:
    """Raise AssertionError unless the gateway answered the fuzz query as it must. `sent`: what
    the subgraphs answered (their own text forwarded in an error message is no leak)."""
    assert status == 200, (status, text[:300])
    for leak in LEAKS:
        assert leak not in text or leak.encode() in sent, (leak, text[:300])
    for address in ADDRESS.findall(text):
        assert address.encode() in sent, text[:300]
    assert content_type.startswith("application/json"), content_type
    body = json.loads(text)
    assert isinstance(body, dict) and "data" in body and set(body) <= {"data", "errors", "extensions"}, body
    for e in body.get("errors", []):
        assert isinstance(e, dict) and isinstance(e.get("message"), str) and e["message"], e
    data = body["data"]
    if data is None:
        assert body.get("errors"), body  # a null answer says why
        return body
    assert isinstance(data, dict) and set(data) == {"items"}, data
    assert isinstance(data["items"], list), data
    for item in data["items"]:
        assert isinstance(item, dict), item  # [Item!]!: a null item nulls the list, and data
        assert set(item) == {"id", "name", "count", "price", "tags", "child"}, item
        assert _is_string(item["id"]) and _is_string(item["name"]), item
        assert item["count"] is None or _is_int(item["count"]), item
        assert item["price"] is None or _is_float(item["price"]), item
        tags = item["tags"]
        assert tags is None or (isinstance(tags, list) and all(_is_string(t) for t in tags)), item
        _check_child(item["child"], CHILD, "child")
    return body
