"""provides-on-union: b's `media` provides Book.title through a union type condition. When poor
plans are punished (tests/audit/poor_plans.py), a's `media` and c's Book reference fail, so the
only passing plan takes media (with Book titles) from b and only Movie titles from c."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

from tests.audit.poor_plans import punish_poor_plans

MEDIAS: list[Obj] = [
    {"__typename": "Book", "id": "m1", "title": "Book 1"},
    {"__typename": "Movie", "id": "m2", "title": "Movie 1"},
]


def _a_media(_info: object) -> list[Obj]:
    if punish_poor_plans():
        raise GraphQLError("You should not be using the 'a' subgraph!")
    return [{"__typename": m["__typename"], "id": m["id"]} for m in MEDIAS]


def _c_book(rep: Obj) -> Obj | None:
    if punish_poor_plans():
        raise GraphQLError("You should be using the 'b' subgraph!")
    return next((dict(m) for m in MEDIAS if m["id"] == rep["id"]), None)


SUBGRAPHS = {
    "a": Subgraph(query={"media": _a_media}),
    "b": Subgraph(query={"media": lambda _info: [
        dict(m) if m["__typename"] == "Book" else {"__typename": m["__typename"], "id": m["id"]} for m in MEDIAS
    ]}),
    "c": Subgraph(entities={
        "Book": _c_book,
        "Movie": lambda rep: next((dict(m) for m in MEDIAS if m["id"] == rep["id"]), None),
    }),
}
