"""override-type-interface: b overrides ImagePost.createdAt from a, where `feed` returns Post
interfaces. a answers createdAt with "NEVER": the overridden field must always come from b, even
when selected through the interface on a's root field."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

IMAGE_POSTS: list[Obj] = [
    {"__typename": "ImagePost", "id": "i1", "createdAt": "i1-createdAt"},
    {"__typename": "ImagePost", "id": "i2", "createdAt": "i2-createdAt"},
]
TEXT_POSTS: list[Obj] = [
    {"__typename": "TextPost", "id": "t1", "createdAt": "t1-createdAt", "body": "t1-body"},
    {"__typename": "TextPost", "id": "t2", "createdAt": "t2-createdAt", "body": "t2-body"},
]


def _find(rows: list[Obj], rep: Obj) -> Obj | None:
    return next((dict(r) for r in rows if r["id"] == rep["id"]), None)


def _in_a(row: Obj | None) -> Obj | None:
    # a still has a createdAt resolver, overridden by b: it must never be asked.
    return None if row is None else {**row, "createdAt": "NEVER"}


SUBGRAPHS = {
    "a": Subgraph(
        query={"feed": lambda _info: [_in_a(p) for p in IMAGE_POSTS]},
        entities={"ImagePost": lambda rep: _in_a(_find(IMAGE_POSTS, rep))},
    ),
    "b": Subgraph(
        query={"anotherFeed": lambda _info: [dict(p) for p in IMAGE_POSTS]},
        entities={
            "TextPost": lambda rep: _find(TEXT_POSTS, rep),
            "ImagePost": lambda rep: _find(IMAGE_POSTS, rep),
        },
    ),
}
