"""defer: incremental delivery. The reviews subgraph answers after a delay (what clients defer);
catalog and stock answer at once. Queries here are the deferred operations without `@defer` (every
gateway answers them); `incremental/` holds the same operations with `@defer` and the parts they
are delivered in (tests/federation/test_defer.py)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from harness.resolvers import SLOW, Obj, Subgraph

REVIEWS_DELAY_S = 0.3

PRODUCTS = {
    "p1": {"id": "p1", "name": "Pen", "price": 3, "description": "Blue ink"},
    "p2": {"id": "p2", "name": "Ink", "price": 7, "description": None},
    "p3": {"id": "p3", "name": "Pad", "price": 4, "description": "Squared"},
}
REVIEWS = {
    "p1": [{"body": "fine", "stars": 4}],
    "p2": [],
    "p3": [{"body": "meh", "stars": 2}, {"body": "great", "stars": 5}],
}
RATINGS = {"p1": [4], "p2": [], "p3": [2, None]}
IN_STOCK = {"p1": True, "p2": False, "p3": True}


def _reviews_side(rep: Obj) -> Obj | None:
    pid = rep["id"]
    if pid not in PRODUCTS:
        return None

    def top_review(_info: Any) -> Obj | None:
        if pid == "p2":
            raise GraphQLError("p2 has no ranked review yet", extensions={"code": "NOT_RANKED"})
        return REVIEWS[pid][0] if REVIEWS[pid] else None

    return {"id": pid, "reviews": REVIEWS[pid], "topReview": top_review, "ratings": RATINGS[pid]}


def _stock_side(rep: Obj) -> Obj | None:
    pid = rep["id"]
    if pid not in PRODUCTS:
        return None
    # Computed only when asked: the representation carries the price only then.
    return {"id": pid, "inStock": IN_STOCK[pid], "shippingEstimate": lambda _info: 2 * rep["price"]}


SUBGRAPHS = {
    "catalog": Subgraph(
        query={
            "products": lambda _info: list(PRODUCTS.values()),
            "product": lambda _info, id: PRODUCTS.get(id),
            "shelf": lambda _info: {"title": "Stationery", "location": "Aisle 4"},
        },
        entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
    ),
    "reviews": Subgraph(entities={"Product": _reviews_side}, behaviour=SLOW, delay=REVIEWS_DELAY_S),
    "stock": Subgraph(entities={"Product": _stock_side}),
}
