"""shareable_local: Product.name resolves in both subgraphs; take it from the one being queried."""

from __future__ import annotations

from harness.resolvers import Subgraph

PRODUCTS = {"p1": {"id": "p1", "name": "Kite", "price": 20}, "p2": {"id": "p2", "name": "Yo-yo", "price": 3}}
COUNTS = {"p1": 2, "p2": 1}


def _reviewed(pid: str) -> dict:
    return {"id": pid, "name": PRODUCTS[pid]["name"], "reviewCount": COUNTS[pid]}


SUBGRAPHS = {
    "products": Subgraph(
        query={"product": lambda _info, id: PRODUCTS.get(id)},
        entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
    ),
    "reviews": Subgraph(
        query={"topReviews": [
            {"body": "Flies", "product": _reviewed("p1")},
            {"body": "Spins", "product": _reviewed("p2")},
            {"body": "Soars", "product": _reviewed("p1")},
        ]},
        entities={"Product": lambda rep: _reviewed(rep["id"]) if rep["id"] in PRODUCTS else None},
    ),
}
