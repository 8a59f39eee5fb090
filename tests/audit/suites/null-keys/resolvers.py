"""null-keys: a knows books by upc, c only by id, and b translates upc -> id. b does not know book
3, so its entity is null: the gateway must skip that representation in the next hop (to c) and
answer `author: null` for it, while the other books still get their author."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

BOOKS: list[Obj] = [
    {"id": "1", "upc": "b1", "author": {"id": "a1", "name": "Alice"}},
    {"id": "2", "upc": "b2", "author": {"id": "a2", "name": "Bob"}},
    {"id": "3", "upc": "b3", "author": {"id": "a3", "name": "Jack"}},
]


def _find(rep: Obj) -> Obj:
    field = "id" if "id" in rep else "upc"
    book = next((b for b in BOOKS if b[field] == rep.get(field)), None)
    if book is None:
        raise GraphQLError("Invalid reference")
    return book


def _b_book(rep: Obj) -> Obj | None:
    book = _find(rep)
    # b does not know book 3: the only way to its id (and so to c) is closed.
    return None if book["id"] == "3" else {"id": book["id"], "upc": book["upc"]}


SUBGRAPHS = {
    "a": Subgraph(
        query={"bookContainers": lambda _info: [{"book": {"upc": b["upc"]}} for b in BOOKS]},
        entities={"Book": lambda rep: {"upc": rep["upc"]}},
    ),
    "b": Subgraph(entities={"Book": _b_book}),
    "c": Subgraph(entities={"Book": lambda rep: (lambda b: {"id": b["id"], "author": dict(b["author"])})(_find(rep))}),
}
