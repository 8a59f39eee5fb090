"""requires-with-fragments: b's requirer @requires `data` (an interface owned by a) through nested
type conditions (`... on Bar { ... on Baz | Qux }`). Baz is @inaccessible: e1's data is a Baz, which
the client can never see (null), but it still feeds the requirement. (data.ts is not in the stored
copy of the audit: the data is read back from the expected answers.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

ENTITIES = [{"id": "e1", "data": "b1"}, {"id": "e2", "data": "q1"}]
DATA = {
    "b1": {"__typename": "Baz", "foo": "b1-foo", "bar": "b1-bar", "baz": "b1-baz"},
    "q1": {"__typename": "Qux", "foo": "q1-foo", "bar": "q1-bar", "qux": "q1-qux"},
}


def _data_of(entity_id: str) -> Obj | None:
    row = next((e for e in ENTITIES if e["id"] == entity_id), None)
    return None if row is None else dict(DATA[row["data"]])


def _a_entity(entity_id: str) -> Obj | None:
    if not any(e["id"] == entity_id for e in ENTITIES):
        return None
    return {"id": entity_id, "data": lambda _info: _data_of(entity_id)}


def _b_entity(rep: Obj) -> Obj | None:
    if not any(e["id"] == rep["id"] for e in ENTITIES):
        return None

    def requirer(suffix: str) -> object:
        def resolve(_info: object) -> str:
            data = rep.get("data")
            if not isinstance(data, dict):
                raise GraphQLError("Expected entity to have a data field")
            return f"{data['foo']}_{suffix}"

        return resolve

    return {"id": rep["id"], "data": lambda _info: _data_of(rep["id"]),
            "requirer": requirer("requirer"), "requirer2": requirer("requirer2")}


SUBGRAPHS = {
    "a": Subgraph(query={"a": lambda _info: _a_entity("e2")},
                  entities={"Entity": lambda rep: _a_entity(rep["id"])}),
    "b": Subgraph(
        query={"b": lambda _info: _b_entity({"id": "e1"}), "bb": lambda _info: _b_entity({"id": "e2"})},
        entities={"Entity": _b_entity},
    ),
}
