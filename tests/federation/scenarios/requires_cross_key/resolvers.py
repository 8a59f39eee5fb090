"""requires_cross_key: shipping is keyed by upc and requires weight, which physical serves by id:
catalog (id, upc) -> physical by id (weight) -> shipping by upc carrying weight."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = [{"id": "p1", "upc": "U-1", "name": "Kettle"}, {"id": "p2", "upc": "U-2", "name": "Toaster"}]
WEIGHTS = {"p1": 2, "p2": 5}


def _cost(rep: Obj) -> Obj:
    return {"upc": rep["upc"], "cost": lambda _info: rep["weight"] * 3}


SUBGRAPHS = {
    "catalog": Subgraph(query={"products": PRODUCTS}),
    "physical": Subgraph(entities={"Product": lambda rep: {"id": rep["id"], "weight": WEIGHTS[rep["id"]]}}),
    "shipping": Subgraph(entities={"Product": _cost}),
}
