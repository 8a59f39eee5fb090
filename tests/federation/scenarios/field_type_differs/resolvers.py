"""field_type_differs: Product.rating is Int! in products and Int in ratings (supergraph: Int);
tags is [String!]! vs [String]. ratings returns nulls where its own type allows them."""

from __future__ import annotations

from harness.resolvers import Subgraph

PRODUCTS = {"p1": {"id": "p1", "rating": 4, "tags": ["new"]}, "p2": {"id": "p2", "rating": 2, "tags": []}}
RATINGS = {
    "p1": {"id": "p1", "rating": 4, "tags": ["new"], "votes": 10},
    "p3": {"id": "p3", "rating": None, "tags": ["old", None], "votes": 0},
}

SUBGRAPHS = {
    "products": Subgraph(
        query={"products": list(PRODUCTS.values())},
        entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
    ),
    "ratings": Subgraph(
        query={"unrated": [RATINGS["p3"]]},
        entities={"Product": lambda rep: RATINGS.get(rep["id"], {"id": rep["id"], "votes": 0, "rating": None, "tags": None})},
    ),
}
