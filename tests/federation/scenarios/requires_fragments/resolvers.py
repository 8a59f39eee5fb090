"""requires_fragments: a requirement that selects through an interface with inline fragments."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

SHELVES = [
    {"id": "s1", "items": [
        {"__typename": "Book", "title": "Dune", "pages": 100},
        {"__typename": "Movie", "title": "Alien", "minutes": 117},
    ]},
    {"id": "s2", "items": [{"__typename": "Book", "title": "Emma", "pages": 30}]},
]


def _minutes(rep: Obj) -> Obj:
    def total(_info: object) -> int:
        # Each item must carry the field its fragment selected. Apollo leaves out the items'
        # __typename (the requirement does not select it), so the type is told by that field.
        return sum(2 * item["pages"] if "pages" in item else item["minutes"] for item in rep["items"])

    return {"id": rep["id"], "minutesToConsume": total}


SUBGRAPHS = {
    "media": Subgraph(
        query={"shelves": SHELVES},
        entities={"Shelf": lambda rep: next((s for s in SHELVES if s["id"] == rep["id"]), None)},
    ),
    "stats": Subgraph(entities={"Shelf": _minutes}),
}
