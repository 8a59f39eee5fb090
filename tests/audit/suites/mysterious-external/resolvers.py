"""mysterious-external: price declares `extend type Product` with its key `id` @external, yet its
root field returns products with their id: the gateway must use that id as the key to product.
(The audit's product subgraph and data.ts are not in the stored copy of the repository: they are
written from its query plans and expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = [{"id": "1", "name": "name-1", "price": 100}, {"id": "2", "name": "name-2", "price": 200}]


def _find(rep: Obj, field: str) -> Obj | None:
    row = next((p for p in PRODUCTS if p["id"] == rep["id"]), None)
    return None if row is None else {"id": row["id"], field: row[field]}


SUBGRAPHS = {
    "price": Subgraph(
        query={"cheapestProduct": lambda _info: _find(min(PRODUCTS, key=lambda p: p["price"]), "price")},
        entities={"Product": lambda rep: _find(rep, "price")},
    ),
    "product": Subgraph(
        query={"products": lambda _info: [_find(p, "name") for p in PRODUCTS]},
        entities={"Product": lambda rep: _find(rep, "name")},
    ),
}
