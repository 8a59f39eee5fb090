"""interface_object_unresolvable: media owns the entity interface Media (Book, Movie) and has no
root fields; charts knows Media only as an @interfaceObject with a `resolvable: false` key: it
returns media by id and serves `stars`, but cannot be asked for a media item by key (so `stars`
is reachable only from charts' own root field: composition rejects any other path to it)."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

MEDIA = {
    "b1": {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 412},
    "m1": {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117},
    "b2": {"__typename": "Book", "id": "b2", "title": "Emma", "pages": 320},
}
STARS = {"m1": 5, "b2": 3}


def _media(rep: Obj) -> Obj | None:
    row = MEDIA.get(rep["id"])
    if row is None or rep["__typename"] not in ("Media", row["__typename"]):
        return None
    return row


SUBGRAPHS = {
    "media": Subgraph(
        entities={"Media": _media, "Book": _media, "Movie": _media},
    ),
    "charts": Subgraph(query={"topRated": [{"id": i, "stars": s} for i, s in STARS.items()]}),
}
