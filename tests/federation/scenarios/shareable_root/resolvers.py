"""shareable_root: `Query.shop` and `Query.currency` resolve in both subgraphs. A query must take
them from one subgraph when it can (the one that also has the other fields it needs)."""

from __future__ import annotations

from harness.resolvers import Subgraph

SUBGRAPHS = {
    "catalog": Subgraph(
        query={"shop": {"name": "Corner", "address": "1 Main St"}, "currency": "EUR"}
    ),
    "opening": Subgraph(
        query={"shop": {"name": "Corner", "hours": "9-17"}, "currency": "EUR", "holidays": ["Jan 1"]}
    ),
}
