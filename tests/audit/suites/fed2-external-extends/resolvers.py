"""fed2-external-extends: fed1-external-extends in Federation 2 SDL: a extends User with @extends
and declares `name` external; only b resolves name. a's own name resolver answers "never" when nothing
provided it, so a gateway that asks a for name shows. (data.ts is not in the stored copy of the
audit: users are read back from the expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [
    {"id": f"u{n}", "name": f"u{n}-name", "rid": f"u{n}-rid", "nickname": f"u{n}-nickname"} for n in (1, 2)
]


def _a_user(row: Obj | None, provided: bool = False) -> Obj | None:
    if row is None:
        return None
    return {"id": row["id"], "rid": row["rid"], "name": row["name"] if provided else "never"}


def _b_user(row: Obj | None) -> Obj | None:
    return None if row is None else {k: row[k] for k in ("id", "name", "nickname")}


def _find(user_id: object) -> Obj | None:
    return next((u for u in USERS if u["id"] == user_id), None)


SUBGRAPHS = {
    "a": Subgraph(
        query={
            "randomUser": lambda _info: _a_user(USERS[0]),
            "providedRandomUser": lambda _info: _a_user(USERS[0], provided=True),
        },
        entities={"User": lambda rep: _a_user(_find(rep["id"]))},
    ),
    "b": Subgraph(
        query={"userById": lambda _info, id=None: _b_user(_find(id))},
        entities={"User": lambda rep: _b_user(_find(rep["id"]))},
    ),
}
