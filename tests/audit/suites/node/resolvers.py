"""node: the Relay-style Node interface in three subgraphs; `productNode` (from node) returns a
Product whose name and price live in types, fetched by key through the type condition."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = [{"id": "p-1", "name": "Product 1", "price": 10.0}, {"id": "p-2", "name": "Product 2", "price": 20.0}]
CATEGORIES = [{"id": "pc-1", "name": "Category 1"}, {"id": "c-2", "name": "Category 2"}]


def _find(rows: list[Obj], rep: Obj, *fields: str) -> Obj | None:
    row = next((r for r in rows if r["id"] == rep["id"]), None)
    return None if row is None else {f: row[f] for f in ("id", *fields)}


def _ids_only() -> Subgraph:
    return Subgraph(entities={
        "Product": lambda rep: _find(PRODUCTS, rep),
        "Category": lambda rep: _find(CATEGORIES, rep),
    })


SUBGRAPHS = {
    "node": Subgraph(
        query={
            "productNode": lambda _info: {"__typename": "Product", "id": PRODUCTS[0]["id"]},
            "categoryNode": lambda _info: {"__typename": "Category", "id": CATEGORIES[0]["id"]},
        },
        entities=_ids_only().entities,
    ),
    "node-two": _ids_only(),
    "types": Subgraph(entities={
        "Product": lambda rep: _find(PRODUCTS, rep, "name", "price"),
        "Category": lambda rep: _find(CATEGORIES, rep, "name"),
    }),
}
