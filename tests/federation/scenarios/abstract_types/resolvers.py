"""abstract_types: an interface and a union whose members live in different subgraphs; each
subgraph returns only the members it knows."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph, lookup

BOOKS = {"b1": {"__typename": "Book", "id": "b1", "name": "Dune", "author": "Herbert"}}
SONGS = {
    "s1": {"__typename": "Song", "id": "s1", "name": "Spice", "seconds": 200},
    "s2": {"__typename": "Song", "id": "s2", "name": "Sand", "seconds": 150},
}
ALBUMS = {"a1": {"__typename": "Album", "id": "a1", "name": "Desert", "songs": [SONGS["s1"], SONGS["s2"]]}}
CATALOG_SONGS = {k: {"__typename": "Song", "id": k, "name": v["name"]} for k, v in SONGS.items()}


def _search(_info: Any, term: str) -> list[Obj]:
    rows = [*BOOKS.values(), *CATALOG_SONGS.values()]
    return [r for r in rows if term.lower() in r["name"].lower()]


SUBGRAPHS = {
    "catalog": Subgraph(
        query={"everything": [CATALOG_SONGS["s2"], BOOKS["b1"], CATALOG_SONGS["s1"]], "search": _search},
        entities={"Book": lookup(BOOKS, "id"), "Song": lookup(CATALOG_SONGS, "id")},
    ),
    "music": Subgraph(
        query={"charts": [ALBUMS["a1"], SONGS["s1"]]},
        entities={"Song": lookup(SONGS, "id"), "Album": lookup(ALBUMS, "id")},
    ),
}
