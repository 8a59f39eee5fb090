"""errors_and_nulls: subgraph errors forwarded with their paths rewritten to the client's path,
null propagation to the nearest nullable parent, and partial data."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

NAMES = {"p1": "Pen", "p2": "Ink", "p3": "Pad"}
REVIEWS = {
    "p1": [{"body": "ok", "stars": 4}],
    "p3": [{"body": "meh", "stars": None}, {"body": "good", "stars": 5}],
}


def _product(_info: Any, id: str) -> Obj | None:
    if id == "boom":
        raise GraphQLError("product store unavailable", extensions={"code": "STORE_DOWN"})
    return {"id": id, "name": NAMES[id]} if id in NAMES else None


def _reviews_side(rep: Obj) -> Obj:
    pid = rep["id"]

    def reviews(_info: Any) -> list[Obj]:
        if pid == "p2":
            raise GraphQLError("reviews of p2 are sealed", extensions={"code": "FORBIDDEN"})
        return REVIEWS.get(pid, [])

    def stock(_info: Any) -> int:
        if pid == "p3":
            raise GraphQLError("stock count failed")
        return 3

    return {"id": pid, "reviews": reviews, "stock": stock}


SUBGRAPHS = {
    "products": Subgraph(
        query={
            "products": lambda _info: [{"id": p, "name": n} for p, n in NAMES.items()],
            "product": _product,
            "strictProduct": _product,
        },
        entities={"Product": lambda rep: _product(None, rep["id"])},
    ),
    "reviews": Subgraph(entities={"Product": _reviews_side}),
}
