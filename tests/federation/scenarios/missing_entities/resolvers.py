"""missing_entities: catalog answers null (no error) for an sku it does not know."""

from __future__ import annotations

from harness.resolvers import Subgraph

ITEMS = {"A": {"sku": "A", "name": "Apple", "note": None}, "B": {"sku": "B", "name": "Bread", "note": "fresh"}}
ORDERS = [
    {"id": "o1", "item": {"sku": "A"}, "gift": {"sku": "GONE"}},
    {"id": "o2", "item": {"sku": "GONE"}, "gift": {"sku": "B"}},
]

SUBGRAPHS = {
    "orders": Subgraph(query={"orders": ORDERS}),
    "catalog": Subgraph(entities={"Item": lambda rep: ITEMS.get(rep["sku"])}),
}
