"""simple-override: b overrides Post.createdAt from a. a still has the field but answers "NEVER"
for it, so a gateway that reads the overridden field from a shows; aFeed's posts must get their
createdAt from b through an entity fetch. (The audit's a subgraph and data.ts are not in the
stored copy of the repository: they are written from its README and query plans.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

POSTS = [{"id": "p1", "createdAt": "p1-createdAt"}, {"id": "p2", "createdAt": "p2-createdAt"}]


def _in_a(row: Obj | None) -> Obj | None:
    return None if row is None else {"id": row["id"], "createdAt": "NEVER"}


def _find(rep: Obj) -> Obj | None:
    return next((dict(p) for p in POSTS if p["id"] == rep["id"]), None)


SUBGRAPHS = {
    "a": Subgraph(
        query={"feed": lambda _info: [_in_a(p) for p in POSTS], "aFeed": lambda _info: [_in_a(POSTS[1])]},
        entities={"Post": lambda rep: _in_a(_find(rep))},
    ),
    "b": Subgraph(
        query={"feed": lambda _info: [dict(p) for p in POSTS], "bFeed": lambda _info: [dict(POSTS[0])]},
        entities={"Post": _find},
    ),
}
