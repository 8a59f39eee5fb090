"""override: inventory takes Product.inStock over from legacy outright, location at 100 %, shelf at
0 %, and badge behind a label no request enables. Each subgraph answers with its own name in the
value so the answer shows which one was asked."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

IDS = ["p1", "p2"]


def _legacy(pid: str) -> Obj:
    return {"id": pid, "name": pid.upper(), "inStock": False, "location": f"legacy:{pid}",
            "shelf": f"legacy:{pid}", "badge": f"legacy:{pid}"}


def _inventory(pid: str) -> Obj:
    return {"id": pid, "inStock": pid == "p1", "location": f"inventory:{pid}",
            "shelf": f"inventory:{pid}", "badge": f"inventory:{pid}"}


SUBGRAPHS = {
    "legacy": Subgraph(
        query={"products": [_legacy(p) for p in IDS]},
        entities={"Product": lambda rep: _legacy(rep["id"])},
    ),
    "inventory": Subgraph(entities={"Product": lambda rep: _inventory(rep["id"])}),
}
