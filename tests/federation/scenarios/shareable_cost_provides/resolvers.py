"""shareable_cost_provides: Query.featured is @shareable in catalog and reviews; reviews @provides
the title of both union members, so a query for titles and stars is one fetch to reviews. Under
Book.similar reviews provides only films' titles: books' titles there come from catalog."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

BOOKS = {"b1": {"id": "b1", "title": "Dune", "year": 1965}, "b2": {"id": "b2", "title": "Emma", "year": 1815}}
FILMS = {"f1": {"id": "f1", "title": "Alien", "year": 1979}}
STARS = {"b1": 5, "b2": 3, "f1": 4}


def _ref(kind: str, row: dict) -> dict:
    return {"__typename": kind, "id": row["id"], "title": row["title"], "stars": STARS[row["id"]]}


SIMILAR = {"b1": [_ref("Film", FILMS["f1"]), {"__typename": "Book", "id": "b2", "stars": 3}], "b2": []}


def _reviews(kind: str, rep: dict) -> dict:
    out = {"id": rep["id"], "stars": STARS[rep["id"]]}
    if kind == "Book":
        out["similar"] = SIMILAR[rep["id"]]
    return out


FEATURED = [("Book", BOOKS["b1"]), ("Film", FILMS["f1"])]

SUBGRAPHS = {
    "catalog": Subgraph(
        query={"featured": [{"__typename": k, **row} for k, row in FEATURED]},
        entities={"Book": lookup(BOOKS, "id"), "Film": lookup(FILMS, "id")},
    ),
    "reviews": Subgraph(
        query={"featured": [{**_ref(k, row), **_reviews(k, row)} for k, row in FEATURED]},
        entities={"Book": lambda rep: _reviews("Book", rep), "Film": lambda rep: _reviews("Film", rep)},
    ),
}
