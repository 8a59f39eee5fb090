"""The compiled shaper (fast lane) and the general Shaper agree: on well-formed data both give the
same answer; on anything else the compiled one steps aside (Anomaly) and the general one reports."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType, build_schema

from gateway.executor.shape import Shaper
from gateway.executor.shape_codegen import Anomaly, compile_shape
from gateway.plan.fields import NField
from gateway.planner.normalize import Normalizer
from gateway.state import build_state
from tests.gateway.gateway_support import WORKLOAD

SCHEMA = build_schema(
    """
    type Query { node(id: ID!): Node  nodes: [Node!]!  search: [Result]  count: Int!  ratio: Float  tags: [String!] }
    interface Node { id: ID! }
    type User implements Node { id: ID! name: String! age: Int role: Role friends: [User!] }
    type Post implements Node { id: ID! title: String author: User! score: Float! }
    union Result = User | Post
    enum Role { ADMIN MEMBER }
    """
)
QUERY = """
{
  count ratio tags
  node(id: "1") { __typename id ... on User { name age role } ... on Post { title score } }
  nodes { id ... on User { name friends { id name role } } ... on Post { t: title author { name } } }
  search { __typename ... on User { id age } ... on Post { score author { id } } }
}
"""


def fields_of(schema: Any, query: str) -> list[NField]:
    from graphql import parse

    doc = parse(query)
    root = schema.query_type
    return Normalizer(schema, {}, {}).fields(root, [doc.definitions[0].selection_set])


def random_value(rng: random.Random, nf: NField, t: Any, schema: Any, chaos: float) -> Any:
    """Data as a subgraph might send it: mostly right, sometimes null or of the wrong type."""
    if rng.random() < chaos:
        return rng.choice([None, "oops", 7, True, [], {}])
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    elif rng.random() < 0.1:
        return None
    if isinstance(t, GraphQLList):
        return [random_value(rng, nf, t.of_type, schema, chaos) for _ in range(rng.randint(0, 3))]
    if isinstance(t, GraphQLEnumType):
        return rng.choice(list(t.values))
    name = getattr(t, "name", "")
    if name == "Int" or (name == "ID" and rng.random() < 0.5):
        return rng.randint(-5, 5)
    if name == "Float":
        return rng.random()
    if name == "Boolean":
        return rng.random() < 0.5
    if name in ("String", "ID"):
        return rng.choice(["a", "b", "é"])
    runtime = rng.choice(list(nf.children)) if nf.abstract else nf.named
    obj: dict[str, Any] = {"__typename": runtime, "internalKey": "x"}  # extra fields must vanish
    for child in nf.children[runtime]:
        if child.type is not None:
            obj[child.key] = random_value(rng, child, child.type, schema, chaos)
    return obj


@pytest.mark.parametrize("seed", range(300))
def test_fast_and_general_shapers_agree(seed: int) -> None:
    rng = random.Random(seed)
    fields = fields_of(SCHEMA, QUERY)
    chaos = 0.0 if seed % 3 == 0 else 0.05
    data = {f.key: random_value(rng, f, f.type, SCHEMA, chaos) for f in fields if f.type is not None}
    general_errors: list[dict[str, Any]] = []
    general = Shaper(general_errors, set()).root(json.loads(json.dumps(data)), fields)
    try:
        fast = compile_shape(fields)(json.loads(json.dumps(data)))
    except Anomaly:
        assert general_errors, "the fast lane refused data the general shaper found nothing wrong with"
        return
    assert not general_errors, general_errors
    assert fast == general
    assert json.dumps(fast) == json.dumps(general)  # the same key order too


def test_well_formed_data_never_takes_the_slow_lane() -> None:
    rng = random.Random(1)
    fields = fields_of(SCHEMA, QUERY)
    shape = compile_shape(fields)
    for _ in range(50):
        data = {f.key: random_value(rng, f, f.type, SCHEMA, 0.0) for f in fields if f.type is not None}
        shape(data)  # must not raise


def test_benchmark_answer_through_both_shapers() -> None:
    state = build_state((WORKLOAD / "supergraph.graphql").read_text())
    prepared = state.documents.get((WORKLOAD / "query.graphql").read_text())
    op = prepared.operations["TestQuery"]
    root = state.api_schema.query_type
    assert isinstance(root, GraphQLObjectType)
    fields = Normalizer(state.api_schema, prepared.fragments, {}).fields(root, [op.selection_set])
    expected = json.loads((WORKLOAD / "expected.json").read_text())["data"]
    assert compile_shape(fields)(json.loads(json.dumps(expected))) == expected
    errors: list[dict[str, Any]] = []
    assert Shaper(errors, set()).root(json.loads(json.dumps(expected)), fields) == expected
    assert not errors


def test_id_integers_become_strings_in_both() -> None:
    fields = fields_of(SCHEMA, '{ node(id: "1") { id } }')
    data = {"node": {"__typename": "User", "id": 5}}
    assert compile_shape(fields)(json.loads(json.dumps(data))) == {"node": {"id": "5"}}
    assert Shaper([], set()).root(data, fields) == {"node": {"id": "5"}}


def test_null_in_non_null_nulls_the_nearest_nullable_parent() -> None:
    fields = fields_of(SCHEMA, '{ node(id: "1") { ... on Post { title author { name } } } count }')
    data = {"node": {"__typename": "Post", "title": "t", "author": {"name": None}}, "count": 1}
    with pytest.raises(Anomaly):
        compile_shape(fields)(data)
    errors: list[dict[str, Any]] = []
    out = Shaper(errors, set()).root(data, fields)
    assert out == {"node": None, "count": 1}
    assert [e["path"] for e in errors] == [["node", "author", "name"]]


