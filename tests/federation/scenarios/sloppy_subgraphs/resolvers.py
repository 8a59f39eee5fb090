"""sloppy_subgraphs: both subgraphs answer with every object's keys reversed and an extra key the
query never asked for. The client must still get exactly its selection, in its order."""

from __future__ import annotations

from harness import resolvers as r
from harness.resolvers import Subgraph

ITEMS = {
    "i1": {"id": "i1", "name": "Lamp", "maker": {"name": "Lux", "country": "SE"}},
    "i2": {"id": "i2", "name": "Desk", "maker": {"name": "Oak", "country": "NO"}},
}
PRICES = {"i1": {"id": "i1", "price": 40, "currency": "EUR"}, "i2": {"id": "i2", "price": 300, "currency": "NOK"}}

SUBGRAPHS = {
    "catalog": Subgraph(
        query={"items": list(ITEMS.values())},
        entities={"Item": lambda rep: ITEMS.get(rep["id"])},
        behaviour=r.SLOPPY,
    ),
    "prices": Subgraph(entities={"Item": lambda rep: PRICES.get(rep["id"])}, behaviour=r.SLOPPY),
}
