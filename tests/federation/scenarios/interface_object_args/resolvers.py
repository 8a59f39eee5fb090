"""interface_object_args: pricing serves Asset.price(currency:) for every implementation, as an
@interfaceObject. Clients select it under different type conditions with different arguments,
even under one response key: each selection is its own field in pricing's fetch."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

ASSETS = {
    "c1": {"__typename": "Car", "id": "c1", "wheels": 4},
    "h1": {"__typename": "House", "id": "h1", "rooms": 5},
}
BASE = {"c1": 100, "h1": 1000}
RATES = {"EUR": 1, "USD": 2, "GBP": 3}


def _core(rep: Obj) -> Obj | None:
    row = ASSETS.get(rep["id"])
    if row is None or rep["__typename"] not in ("Asset", row["__typename"]):
        return None
    return row


def _pricing(rep: Obj) -> Obj:
    base = BASE[rep["id"]]
    return {"id": rep["id"], "price": lambda _info, currency: base * RATES[currency]}


SUBGRAPHS = {
    "core": Subgraph(query={"assets": list(ASSETS.values())}, entities={"Asset": _core, "Car": _core, "House": _core}),
    "pricing": Subgraph(entities={"Asset": _pricing}),
}
