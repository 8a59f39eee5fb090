"""simple-entity-call: email knows users by id, nickname knows them by email only, so the
gateway must carry `email` from the first fetch into the second's representation."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "email": "u1@example.com", "nickname": "u1-nickname"}]


def _by_email(rep: Obj) -> Obj | None:
    user = next((u for u in USERS if u["email"] == rep["email"]), None)
    return None if user is None else {"email": user["email"], "nickname": user["nickname"]}


SUBGRAPHS = {
    "email": Subgraph(
        query={"user": {"id": USERS[0]["id"], "email": USERS[0]["email"]}},
        entities={"User": lambda rep: next(
            ({"id": u["id"], "email": u["email"]} for u in USERS if u["id"] == rep["id"]), None)},
    ),
    "nickname": Subgraph(entities={"User": _by_email}),
}
