"""parallel_roots: three subgraphs with root fields, and a Story entity that weather and stocks both
extend. Every answer comes after a short pause, so tests can see from the recorded timestamps
whether the gateway fetched root fields, and the two entity fetches of one level, concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.resolvers import Subgraph

PAUSE_S = 0.6
ITEMS = {
    "weather": ["sun", "rain"],
    "news": ["election", "harvest", "storm"],
    "stocks": ["ACME"],
}
STORY_FIELDS = {"weather": ("forecast", "sunny"), "stocks": ("ticker", "ACME up")}


def _paused(value: Any) -> Any:
    async def resolve(_info: Any, **_args: Any) -> Any:
        await asyncio.sleep(PAUSE_S)
        return value

    return resolve


def _root(name: str) -> Subgraph:
    async def items(_info: Any, region: str) -> list[str]:
        await asyncio.sleep(PAUSE_S)
        return [f"{region}:{item}" for item in ITEMS[name]]

    query: dict[str, Any] = {name: items, f"{name}Count": lambda _info: len(ITEMS[name])}
    entities = {}
    if name in STORY_FIELDS:
        field, value = STORY_FIELDS[name]
        entities["Story"] = lambda rep: {"id": rep["id"], field: _paused(f"{value} ({rep['id']})")}
    else:
        query["story"] = {"id": "s1", "title": "Markets and weather"}
    return Subgraph(query=query, entities=entities)


SUBGRAPHS: dict[str, Subgraph] = {name: _root(name) for name in ITEMS}
