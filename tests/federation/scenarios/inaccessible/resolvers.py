"""inaccessible: hidden types, fields, arguments, enum values, input fields and a hidden key."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

POSTS: dict[str, list[Obj]] = {
    "u1": [{"pid": "x1", "title": "Engines"}, {"pid": "x2", "title": "Notes"}],
    "u2": [{"pid": "x3", "title": "Farewell"}],
}
LIKES = {"x1": 10, "x2": 3, "x3": 7}
EMAILS = {"u1": "ada@example.org", "u2": "bob@example.org"}


def _user(uid: str, name: str, status: str, score: int) -> Obj:
    def posts(_info: Any, limit: int | None = None, includeDrafts: bool = False) -> list[Obj]:
        rows = POSTS[uid]
        return rows if limit is None else rows[:limit]

    return {"id": uid, "name": name, "status": status, "internalScore": score, "posts": posts}


USERS = {"u1": _user("u1", "Ada", "ACTIVE", 90), "u2": _user("u2", "Bob", "DELETED", 20)}


def _users(_info: Any, status: str | None = None) -> list[Obj]:
    return [u for u in USERS.values() if status is None or u["status"] == status]


def _search(_info: Any, filter: dict[str, Any]) -> list[Obj]:
    return [u for u in USERS.values() if filter.get("name") in (None, u["name"])]


SUBGRAPHS = {
    "accounts": Subgraph(
        query={
            "user": lambda _info, id: USERS.get(id),
            "users": _users,
            "search": _search,
            "secretUser": lambda _info: USERS["u1"],
            "debug": lambda _info: {"detail": "hidden"},
        },
        entities={"User": lambda rep: USERS.get(rep["id"]), "Post": lambda rep: None},
    ),
    "social": Subgraph(
        entities={
            "User": lambda rep: {"id": rep["id"], "email": EMAILS[rep["id"]]},
            "Post": lambda rep: {"pid": rep["pid"], "likes": LIKES[rep["pid"]]},
        }
    ),
}
