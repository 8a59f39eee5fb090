"""compound_key: Product is keyed by (sku, region); the same sku in two regions is two entities."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

PRICES = {
    ("pen", "eu"): {"price": 1.5, "label": "Pen (EU)"},
    ("pen", "us"): {"price": 2.0, "label": "Pen (US)"},
    ("ink", "eu"): {"price": 4.25, "label": "Ink (EU)"},
}
ORDERS = [
    {"id": "o1", "items": [
        {"qty": 2, "product": {"sku": "pen", "region": "eu"}},
        {"qty": 1, "product": {"sku": "ink", "region": "eu"}},
    ]},
    {"id": "o2", "items": [
        {"qty": 5, "product": {"sku": "pen", "region": "us"}},
        {"qty": 1, "product": {"sku": "pen", "region": "eu"}},
    ]},
]

SUBGRAPHS = {
    "orders": Subgraph(query={"orders": ORDERS}),
    "pricing": Subgraph(entities={"Product": lookup(PRICES, "sku", "region")}),
}
