"""interface_object_requires: an entity interface with two keys (id, code), extended by three
@interfaceObject subgraphs: risk (key id, requires value), labels (key code) and garage, which only
reaches assets indirectly, through Garage.assets."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

ASSETS = {
    "c1": {"__typename": "Car", "id": "c1", "code": "CAR-1", "value": 2000, "wheels": 4},
    "h1": {"__typename": "House", "id": "h1", "code": "HSE-1", "value": 300000, "rooms": 5},
    "c2": {"__typename": "Car", "id": "c2", "code": "CAR-2", "value": 900, "wheels": 3},
}
BY_CODE = {a["code"]: a for a in ASSETS.values()}


def _core(rep: Obj) -> Obj | None:
    row = ASSETS.get(rep["id"]) if "id" in rep else BY_CODE.get(rep.get("code", ""))
    if row is None or rep["__typename"] not in ("Asset", row["__typename"]):
        return None
    return row


def _risk(rep: Obj) -> Obj:
    return {"id": rep["id"], "risk": lambda _info: rep["value"] // 100}


def _label(rep: Obj) -> Obj:
    return {"code": rep["code"], "label": rep["code"].lower().replace("-", " #")}


SUBGRAPHS = {
    "core": Subgraph(
        query={"assets": list(ASSETS.values())},
        entities={"Asset": _core, "Car": _core, "House": _core},
    ),
    "risk": Subgraph(entities={"Asset": _risk}),
    "labels": Subgraph(
        query={"labelled": [_label({"code": c}) for c in ("HSE-1", "CAR-2")]},
        entities={"Asset": _label},
    ),
    "garage": Subgraph(query={"garage": {"name": "Home", "assets": [{"id": "c2"}, {"id": "c1"}]}}),
}
