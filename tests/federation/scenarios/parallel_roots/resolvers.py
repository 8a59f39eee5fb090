"""parallel_roots: three subgraphs with root fields; each answers after a short pause so that
tests can see from the recorded timestamps whether the gateway fetched them concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.resolvers import Subgraph

PAUSE_S = 0.4
ITEMS = {
    "weather": ["sun", "rain"],
    "news": ["election", "harvest", "storm"],
    "stocks": ["ACME"],
}


def _root(name: str) -> Subgraph:
    async def items(_info: Any, region: str) -> list[str]:
        await asyncio.sleep(PAUSE_S)
        return [f"{region}:{item}" for item in ITEMS[name]]

    return Subgraph(query={name: items, f"{name}Count": lambda _info: len(ITEMS[name])})


SUBGRAPHS = {name: _root(name) for name in ITEMS}
