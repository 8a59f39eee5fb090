"""requires_basic: shipping computes shippingEstimate from weight and size that live in products;
search only knows ids. Representations without __typename are rejected by the subgraph runtime."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = {
    "p1": {"id": "p1", "name": "Desk", "weight": 10, "size": 3},
    "p2": {"id": "p2", "name": "Lamp", "weight": 2, "size": 1},
    "p3": {"id": "p3", "name": "Chair", "weight": 5, "size": 2},
}


def _shipping(rep: Obj) -> Obj:
    # Read the requirements lazily: a gateway that forgets them gets a field error, not a crash.
    return {
        "id": rep["id"],
        "shippingEstimate": lambda _info: 2 * rep["weight"] + rep["size"],
        "carrier": "post" if rep["id"] != "p1" else "freight",
    }


SUBGRAPHS = {
    "products": Subgraph(entities={"Product": lambda rep: PRODUCTS.get(rep["id"])}),
    "search": Subgraph(
        query={"search": lambda _info, term: [
            {"id": p["id"]} for p in PRODUCTS.values() if term.lower() in p["name"].lower() or term == "*"
        ]}
    ),
    "shipping": Subgraph(entities={"Product": _shipping}),
}
