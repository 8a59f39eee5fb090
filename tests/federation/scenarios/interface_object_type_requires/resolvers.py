"""interface_object_type_requires: risk serves Asset.risk through an @interfaceObject and requires
Asset.value. Asked only under `... on Car`, it is fetched only for cars, each representation
carrying value; a car's risk error nulls that car, never a house."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

ASSETS = {
    "c1": {"__typename": "Car", "id": "c1", "value": 2000, "wheels": 4},
    "h1": {"__typename": "House", "id": "h1", "value": 300000, "rooms": 5},
    "c2": {"__typename": "Car", "id": "c2", "value": 900, "wheels": 3},
}


def _core(rep: Obj) -> Obj | None:
    row = ASSETS.get(rep["id"])
    if row is None or rep["__typename"] not in ("Asset", row["__typename"]):
        return None
    return row


def _risk(rep: Obj) -> Obj:
    def risk(_info: Any) -> int:
        if "value" not in rep:
            raise GraphQLError("risk needs the asset's value", extensions={"code": "MISSING_REQUIREMENT"})
        if rep["value"] < 1000:
            raise GraphQLError("too small to rate", extensions={"code": "UNRATED"})
        return int(rep["value"]) // 100

    return {"id": rep["id"], "risk": risk}


SUBGRAPHS = {
    "core": Subgraph(query={"assets": list(ASSETS.values())}, entities={"Asset": _core, "Car": _core, "House": _core}),
    "risk": Subgraph(entities={"Asset": _risk}),
}
