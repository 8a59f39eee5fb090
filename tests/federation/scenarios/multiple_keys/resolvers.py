"""multiple_keys: users knows both keys; billing only `id`, mail only `email`. Reaching billing
from mail must go through users (email -> id) first."""

from __future__ import annotations

from harness.resolvers import Subgraph

USERS = [
    {"id": "u1", "email": "ada@example.org", "name": "Ada"},
    {"id": "u2", "email": "bob@example.org", "name": "Bob"},
]
BY_ID = {u["id"]: u for u in USERS}
BY_EMAIL = {u["email"]: u for u in USERS}
PLANS = {"u1": "pro", "u2": "free"}
UNREAD = {"ada@example.org": 3, "bob@example.org": 0}


def _user(rep: dict) -> dict | None:
    return BY_ID.get(rep["id"]) if "id" in rep else BY_EMAIL.get(rep.get("email"))


SUBGRAPHS = {
    "users": Subgraph(query={"users": USERS}, entities={"User": _user}),
    "billing": Subgraph(entities={"User": lambda rep: {"id": rep["id"], "plan": PLANS[rep["id"]]}}),
    "mail": Subgraph(
        query={"recentSenders": [
            {"email": e, "unread": UNREAD[e]} for e in ("bob@example.org", "ada@example.org")
        ]},
        entities={"User": lambda rep: {"email": rep["email"], "unread": UNREAD[rep["email"]]}},
    ),
}
