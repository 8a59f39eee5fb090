"""requires-circular: a's byExpert requires b's byNovice, which requires a's
Author.yearsOfExperience: the requirements go a -> b -> a -> b -> a and the planner must follow
them without looping. (The audit's b subgraph is not in the stored copy of the repository: it is
the owner of Post.author whose byNovice requires the author's experience.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

AUTHORS = [{"id": "a1", "name": "John", "yearsOfExperience": 5}, {"id": "a2", "name": "Jane", "yearsOfExperience": 20}]
POSTS = [{"id": "p1", "body": "p1-body", "author": "a1"}, {"id": "p2", "body": "p2-body", "author": "a2"}]


def _post(rep: Obj) -> Obj | None:
    return next((p for p in POSTS if p["id"] == rep["id"]), None)


def _a_post(rep: Obj) -> Obj | None:
    if _post(rep) is None:
        return None
    by_novice = rep.get("byNovice")
    # Without the requirement, byExpert is null: a non-null error, as in the audit.
    return {"id": rep["id"], "byExpert": None if by_novice is None else not by_novice}


def _b_post(rep: Obj) -> Obj | None:
    post = _post(rep)
    if post is None:
        return None

    def by_novice(_info: object) -> bool:
        author = rep.get("author")
        if not isinstance(author, dict) or "yearsOfExperience" not in author:
            raise GraphQLError("author.yearsOfExperience was not provided")
        return author["yearsOfExperience"] < 10

    return {"id": post["id"], "author": {"id": post["author"]}, "byNovice": by_novice}


SUBGRAPHS = {
    "a": Subgraph(
        query={"feed": lambda _info: [{"id": p["id"]} for p in POSTS]},
        entities={
            "Post": _a_post,
            "Author": lambda rep: next((dict(a) for a in AUTHORS if a["id"] == rep["id"]), None),
        },
    ),
    "b": Subgraph(entities={
        "Post": _b_post,
        "Author": lambda rep: {"id": rep["id"]} if any(a["id"] == rep["id"] for a in AUTHORS) else None,
    }),
}
