"""include-skip: @include/@skip on fields at the end of a requirement chain (c needs b's
isExpensive, which needs a's price). A field the client excluded must not reach c: its resolver
fails when called. (The audit's a and b subgraphs are not in the stored copy of the repository:
they are written from the query plans in its test.ts.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

PRODUCTS = [{"id": "p1", "price": 699.99}]


def _row(rep: Obj) -> Obj | None:
    return next((p for p in PRODUCTS if p["id"] == rep["id"]), None)


def _b(rep: Obj) -> Obj | None:
    if _row(rep) is None:
        return None

    def is_expensive(_info: object) -> bool:
        if not isinstance(rep.get("price"), int | float):
            raise GraphQLError("price is missing")
        return rep["price"] > 500

    return {"id": rep["id"], "isExpensive": is_expensive}


def _c(rep: Obj) -> Obj | None:
    if _row(rep) is None:
        return None

    def needs_is_expensive(_info: object) -> bool:
        if not isinstance(rep.get("isExpensive"), bool):
            raise GraphQLError("isExpensive is missing")
        return True

    def never(name: str) -> object:
        def resolve(_info: object) -> bool:
            raise GraphQLError(f"{name} should not be called")

        return resolve

    return {"id": rep["id"], "include": needs_is_expensive, "skip": needs_is_expensive,
            "neverCalledInclude": never("neverCalledInclude"), "neverCalledSkip": never("neverCalledSkip")}


SUBGRAPHS = {
    "a": Subgraph(query={"product": lambda _info: dict(PRODUCTS[0])},
                  entities={"Product": lambda rep: (lambda r: None if r is None else dict(r))(_row(rep))}),
    "b": Subgraph(entities={"Product": _b}),
    "c": Subgraph(entities={"Product": _c}),
}
