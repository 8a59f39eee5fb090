"""requires_two_sources: pricing requires weight (physics) and colour (paint): both are fetched,
independently, and merged into one representation."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.resolvers import Obj, Subgraph

ITEMS = [{"id": "i1", "name": "Ring"}, {"id": "i2", "name": "Cup"}]
WEIGHTS = {"i1": 1, "i2": 3}
COLOURS = {"i1": "gold", "i2": "white"}
PAUSE_S = 0.5


def _paused(value: Any) -> Any:
    async def resolve(_info: Any) -> Any:
        await asyncio.sleep(PAUSE_S)  # long enough for the recorder to see the fetches overlap
        return value

    return resolve


def _price(rep: Obj) -> Obj:
    def price(_info: Any) -> int:
        return rep["weight"] * 10 * (2 if rep["colour"] == "gold" else 1)

    return {"id": rep["id"], "price": price}


SUBGRAPHS = {
    "catalog": Subgraph(query={"items": ITEMS}),
    "physics": Subgraph(entities={"Item": lambda rep: {"id": rep["id"], "weight": _paused(WEIGHTS[rep["id"]])}}),
    "paint": Subgraph(entities={"Item": lambda rep: {"id": rep["id"], "colour": _paused(COLOURS[rep["id"]])}}),
    "pricing": Subgraph(entities={"Item": _price}),
}
