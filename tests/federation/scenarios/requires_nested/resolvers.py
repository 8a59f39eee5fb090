"""requires_nested: the requirement selects sub-fields of a value-type object (box { width height
depth }), not the whole object."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PARCELS = [
    {"id": "x1", "box": {"width": 10, "height": 10, "depth": 20, "material": "card"}},
    {"id": "x2", "box": {"width": 30, "height": 40, "depth": 50, "material": "wood"}},
]


def _stamps(rep: Obj) -> Obj:
    def stamps(_info: object) -> int:
        box = rep["box"]
        return box["width"] * box["height"] * box["depth"] // 1000

    return {"id": rep["id"], "stamps": stamps}


SUBGRAPHS = {
    "parcels": Subgraph(
        query={"parcels": PARCELS},
        entities={"Parcel": lambda rep: next((p for p in PARCELS if p["id"] == rep["id"]), None)},
    ),
    "postage": Subgraph(entities={"Parcel": _stamps}),
}
