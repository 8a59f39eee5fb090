"""shared-root: three subgraphs share the root fields `product`/`products` and Product.id (a value
type, no key); each owns one sub-object. The gateway must call all three root fields in parallel
and merge the answers."""

from __future__ import annotations

from harness.resolvers import Subgraph

PRODUCT = {
    "id": "1",
    "name": {"id": "1", "brand": "Brand 1", "model": "Model 1"},
    "category": {"id": "1", "name": "Category 1"},
    "price": {"id": "1", "amount": 1000, "currency": "USD"},
}


def _root(field: str) -> Subgraph:
    def one(_info: object) -> dict:
        return {"id": PRODUCT["id"], field: PRODUCT[field]}

    return Subgraph(query={"product": one, "products": lambda info: [one(info)]})


SUBGRAPHS = {name: _root(name) for name in ("category", "name", "price")}
