"""enum_input_intersection: input enums and input objects are intersected across subgraphs,
output enums merged (union)."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

SHIRTS = {
    "t1": {"id": "t1", "price": 10, "colour": "RED", "size": "S"},
    "t2": {"id": "t2", "price": 25, "colour": "GREEN", "size": "M"},
}
STOCK = {
    "t1": {"id": "t1", "colour": "RED", "count": 0},
    "t2": {"id": "t2", "colour": "GREEN", "count": 7},
    "t3": {"id": "t3", "colour": "BLUE", "count": 2},
}


def _matches(row: Obj, size: str | None, filter: dict[str, Any] | None) -> bool:
    f = filter or {}
    return (size is None or row.get("size") == size) and f.get("min", 0) <= row.get("price", 0) <= f.get("max", 10**9)


SUBGRAPHS = {
    "shop": Subgraph(
        query={"shirts": lambda _info, size=None, filter=None: [s for s in SHIRTS.values() if _matches(s, size, filter)]},
        entities={"Shirt": lambda rep: SHIRTS.get(rep["id"])},
    ),
    "stock": Subgraph(
        query={"restocks": lambda _info, size=None, filter=None: [STOCK["t3"], STOCK["t2"]]},
        entities={"Shirt": lambda rep: STOCK.get(rep["id"])},
    ),
}
