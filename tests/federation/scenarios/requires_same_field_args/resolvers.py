"""requires_same_field_args: tax's vatEur requires price(currency: "EUR") and salesTaxUsd
requires price(currency: "USD"): the same field with different arguments. A representation has
one `price`; each field must be computed from the price it requires."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

RATES = {"EUR": 1.0, "USD": 2.0, "GBP": 0.5}
BASE = {"p1": 100.0, "p2": 10.0}


def _price(base: float) -> object:
    return lambda _info, currency: base * RATES[currency]


def _tax(rep: Obj) -> Obj:
    price = rep.get("price")
    return {
        "id": rep["id"],
        # Each field reads the price its representation carries (None: the gateway did not send it).
        "vatEur": lambda _info: round(price * 0.2, 2),
        "salesTaxUsd": lambda _info: round(price * 0.1, 2),
    }


SUBGRAPHS = {
    "products": Subgraph(
        query={"products": [{"id": k, "price": _price(v)} for k, v in BASE.items()]},
        entities={"Product": lambda rep: {"id": rep["id"], "price": _price(BASE[rep["id"]])}},
    ),
    "tax": Subgraph(entities={"Product": _tax}),
}
