"""list_of_lists: entities inside lists of lists (with a null row), and lists of lists again
under an entity: the gateway's paths must walk every level."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

COLOURS = {"a": "red", "b": "blue", "c": "red", "d": "green"}
GRID = [[{"id": "a"}, {"id": "b"}], None, [{"id": "c"}, {"id": "a"}, {"id": "d"}]]
NEIGHBOURS = {"a": [[{"id": "b"}], [None, {"id": "c"}]], "b": [], "c": None, "d": [[{"id": "d"}]]}


def _cell(rep: Obj) -> Obj | None:
    cid = rep["id"]
    if cid not in COLOURS:
        return None

    def neighbours(_info: object) -> list[list[Obj | None]] | None:
        rows = NEIGHBOURS[cid]
        return None if rows is None else [[c and _cell(c) for c in row] for row in rows]

    return {"id": cid, "colour": COLOURS[cid], "neighbours": neighbours}


SUBGRAPHS = {
    "board": Subgraph(query={"grid": GRID}),
    "paint": Subgraph(entities={"Cell": _cell}),
}
