"""custom_scalars: JSON and DateTime values, inline literals and variables, passed through the
gateway to root and entity fetches unchanged."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

EVENTS = [
    {"id": "e1", "at": "2026-01-01T10:00:00Z", "meta": {"tags": ["new"], "seats": 10, "vip": None}},
    {"id": "e2", "at": "2026-03-01T10:00:00Z", "meta": None},
]


def _events(_info: Any, after: str | None = None) -> list[Obj]:
    return [e for e in EVENTS if after is None or e["at"] > after]


def _priced(rep: Obj) -> Obj:
    return {"id": rep["id"], "price": lambda _info, options=None: {"event": rep["id"], "options": options}}


SUBGRAPHS = {
    "events": Subgraph(
        query={"echo": lambda _info, value=None: value, "events": _events},
        entities={"Event": lambda rep: next((e for e in EVENTS if e["id"] == rep["id"]), None)},
    ),
    "tickets": Subgraph(entities={"Event": _priced}),
}
