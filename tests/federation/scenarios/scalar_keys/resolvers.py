"""scalar_keys: keys made of an Int and an enum, and a key that is a JSON object; repeated keys
must be recognised as the same entity by value."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

SLOTS = [{"number": 1, "zone": "NORTH"}, {"number": 1, "zone": "SOUTH"}, {"number": 1, "zone": "NORTH"}]
TOKENS = [{"ref": {"kind": "card", "n": [1, 2]}}, {"ref": {"kind": "coin", "n": []}}, {"ref": {"kind": "card", "n": [1, 2]}}]
OWNERS = {"card": "Ada", "coin": "Bob"}


def _slot(rep: Obj) -> Obj:
    assert isinstance(rep["number"], int), "Int key fields arrive as numbers"
    return {**rep, "label": f"{rep['zone'].lower()}-{rep['number']}"}


def _token(rep: Obj) -> Obj:
    return {"ref": rep["ref"], "owner": OWNERS[rep["ref"]["kind"]]}


SUBGRAPHS = {
    "stock": Subgraph(query={"slots": SLOTS, "tokens": TOKENS}),
    "labels": Subgraph(entities={"Slot": _slot, "Token": _token}),
}
