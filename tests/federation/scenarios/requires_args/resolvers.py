"""requires_args: the required field takes an argument; the gateway must fetch price(currency:
"EUR") for the requirement even when the client also asks for price in another currency."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

EUR = {"p1": 10.0, "p2": 50.0}


def _product(pid: str) -> Obj:
    def price(_info: Any, currency: str) -> float:
        return EUR[pid] * (2 if currency == "USD" else 1)

    return {"id": pid, "price": price}


def _taxed(rep: Obj) -> Obj:
    return {"id": rep["id"], "taxedEur": lambda _info: round(rep["price"] * 1.2, 2)}


SUBGRAPHS = {
    "catalog": Subgraph(
        query={"products": [_product(p) for p in EUR]},
        entities={"Product": lambda rep: _product(rep["id"]) if rep["id"] in EUR else None},
    ),
    "tax": Subgraph(entities={"Product": _taxed}),
}
