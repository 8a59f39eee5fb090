"""circular: User -> reviews -> author (User) -> reviews ... and User.bestFriend (a self cycle).
Objects are built on demand, so each subgraph can follow the cycle as deep as a query goes."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

NAMES = {"u1": "Ada", "u2": "Bob"}
FRIENDS = {"u1": "u2", "u2": "u1"}
REVIEWS = {"r1": ("Good", "u1"), "r2": ("Bad", "u2"), "r3": ("Fine", "u1")}


def account(uid: str) -> Obj:
    """User as accounts sees it."""
    return {"id": uid, "name": NAMES[uid], "bestFriend": lambda _info: account(FRIENDS[uid])}


def review(rid: str) -> Obj:
    body, author = REVIEWS[rid]
    return {"id": rid, "body": body, "author": lambda _info: reviewer(author)}


def reviewer(uid: str) -> Obj:
    """User as reviews sees it."""
    return {"id": uid, "reviews": lambda _info: [review(r) for r, (_, a) in REVIEWS.items() if a == uid]}


def _known(make: Any, table: dict[str, Any]) -> Any:
    return lambda rep: make(rep["id"]) if rep["id"] in table else None


SUBGRAPHS = {
    "accounts": Subgraph(
        query={"users": lambda _info: [account(u) for u in NAMES]},
        entities={"User": _known(account, NAMES)},
    ),
    "reviews": Subgraph(
        entities={"User": _known(reviewer, NAMES), "Review": _known(review, REVIEWS)}
    ),
}
