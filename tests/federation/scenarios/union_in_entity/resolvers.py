"""union_in_entity: an entity field (from taste) returns a union whose Book member is completed by
a third subgraph (library) and whose Film member is a local value type: the third fetch must only
carry the Books found under the union inside the second fetch's results."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

PEOPLE = [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]
BOOKS = {"b1": {"isbn": "b1", "title": "Dune", "pages": 412}, "b2": {"isbn": "b2", "title": "Emma", "pages": 300}}
FAVOURITES = {
    "u1": [{"__typename": "Book", "isbn": "b1"}, {"__typename": "Film", "title": "Alien", "minutes": 117}],
    "u2": [{"__typename": "Film", "title": "Heat", "minutes": 170}, {"__typename": "Book", "isbn": "b2"},
           {"__typename": "Book", "isbn": "b1"}],
}

SUBGRAPHS = {
    "people": Subgraph(query={"people": PEOPLE}, entities={"Person": lookup({p["id"]: p for p in PEOPLE}, "id")}),
    "taste": Subgraph(entities={"Person": lambda rep: {"id": rep["id"], "favourites": FAVOURITES.get(rep["id"], [])}}),
    "library": Subgraph(entities={"Book": lookup(BOOKS, "isbn")}),
}
