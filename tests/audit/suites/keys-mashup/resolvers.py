"""keys-mashup: A has four keys, only `id` resolvable in a and only `id compositeId{two three}` in
b. nameInB requires `name` from a: the gateway must fetch name from a by id, then send b a
representation with the compound nested key plus the required name."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

A_ROWS: dict[str, Obj] = {
    n: {
        "id": n, "pId": f"a.{n}.pId", "name": f"a.{n}",
        "compositeId": {k: f"a.{n}.compositeId.{k}" for k in ("one", "two", "three")},
    }
    for n in ("1", "2")
}
B_ROWS: dict[str, Obj] = {"100": {"id": "100", "a": ["1"]}, "200": {"id": "200", "a": ["1", "2"]}}


def _name_in_b(name: str | None) -> object:
    def resolve(_info: object) -> str:
        if not name:
            raise GraphQLError("A.name was not provided")
        return f"b.a.nameInB {name}"

    return resolve


def _a_in_b(row: Obj | None, name: str | None = None) -> Obj | None:
    if row is None:
        return None
    shown = {"id": row["id"], "pId": row["pId"], "compositeId": dict(row["compositeId"])}
    return {**shown, "name": name, "nameInB": _name_in_b(name)}


def _b(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    return {"id": row["id"], "a": lambda _info: [_a_in_b(A_ROWS.get(i)) for i in row["a"]]}


SUBGRAPHS = {
    "a": Subgraph(entities={"A": lambda rep: (lambda r: None if r is None else dict(r))(A_ROWS.get(rep["id"]))}),
    "b": Subgraph(
        query={"b": lambda _info: _b(B_ROWS["100"])},
        entities={
            "B": lambda rep: _b(B_ROWS.get(rep["id"])),
            "A": lambda rep: _a_in_b(A_ROWS.get(rep["id"]), rep.get("name")),
        },
    ),
}
