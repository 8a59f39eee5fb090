"""field_type_subtype: Query.pick is a Media in catalog and a Book in books (@join__field(type:)):
both return the same book. A fragment on Movie is valid against the supergraph's Media but
impossible (and invalid) on books' Book, so it is never sent to books."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

BOOK = {"__typename": "Book", "id": "b1", "title": "Dune"}

SUBGRAPHS = {
    "catalog": Subgraph(
        query={"pick": BOOK},
        entities={
            "Book": lookup({"b1": BOOK}, "id"),
            "Movie": lookup({"m1": {"id": "m1", "title": "Alien", "minutes": 117}}, "id"),
        },
    ),
    "books": Subgraph(
        query={"pick": {"id": "b1", "title": "Dune", "isbn": "978-0441"}},
        entities={
            "Book": lookup({"b1": {"id": "b1", "title": "Dune", "isbn": "978-0441"}}, "id"),
            "Movie": lookup({"m1": {"id": "m1", "rating": 4}}, "id"),
        },
    ),
}
