"""unavailable-override: b's `@override(from: "non-existing")` names no subgraph, so it overrides
nothing: createdAt stays shared by a and b, and either may answer it (both hold the real value).
(Only the audit's test.ts and README are in the stored copy of the repository: the subgraphs are
simple-override's, with the override pointed at a missing subgraph.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

POSTS = [{"id": "p1", "createdAt": "p1-createdAt"}, {"id": "p2", "createdAt": "p2-createdAt"}]


def _find(rep: Obj) -> Obj | None:
    return next((dict(p) for p in POSTS if p["id"] == rep["id"]), None)


SUBGRAPHS = {
    "a": Subgraph(
        query={"feed": lambda _info: [dict(p) for p in POSTS], "aFeed": lambda _info: [dict(POSTS[1])]},
        entities={"Post": _find},
    ),
    "b": Subgraph(
        query={"feed": lambda _info: [dict(p) for p in POSTS], "bFeed": lambda _info: [dict(POSTS[0])]},
        entities={"Post": _find},
    ),
}
