"""requires_chain: quad requires doubled, which double computes from base (requires of requires)."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

BASE = {"i1": 1, "i2": 5, "i3": 7}


def _double(rep: Obj) -> Obj:
    return {"id": rep["id"], "doubled": lambda _info: rep["base"] * 2}


def _quad(rep: Obj) -> Obj:
    return {"id": rep["id"], "quadrupled": lambda _info: rep["doubled"] * 2, "label": rep["id"].upper()}


SUBGRAPHS = {
    "base": Subgraph(
        query={"items": [{"id": i, "base": b} for i, b in BASE.items()]},
        entities={"Item": lambda rep: {"id": rep["id"], "base": BASE[rep["id"]]}},
    ),
    "double": Subgraph(entities={"Item": _double}),
    "quad": Subgraph(entities={"Item": _quad}),
}
