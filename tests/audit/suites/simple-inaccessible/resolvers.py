"""simple-inaccessible: friends' `type` argument and the FAMILY enum value are @inaccessible: a
client cannot send the argument (validation error), the subgraph still gets its default, and a
FAMILY value in a response reaches the client as null. (Only the audit's test.ts and README are
in the stored copy of the repository: the subgraphs are written from the README.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "age": 11, "friends": ["u2"]}, {"id": "u2", "age": 22, "friends": ["u1"]}]


def _friends_user(user_id: str) -> Obj | None:
    row = next((u for u in USERS if u["id"] == user_id), None)
    if row is None:
        return None
    return {
        "id": row["id"],
        "type": "FAMILY",
        # Everyone here is family: asking for another kind of friend finds no one.
        "friends": lambda _info, type="FAMILY": [
            _friends_user(f) for f in row["friends"]] if type == "FAMILY" else [],
    }


SUBGRAPHS = {
    "age": Subgraph(
        query={"usersInAge": lambda _info: [{"id": u["id"], "age": u["age"]} for u in USERS]},
        entities={"User": lambda rep: next(({"id": u["id"], "age": u["age"]} for u in USERS if u["id"] == rep["id"]), None)},
    ),
    "friends": Subgraph(
        query={"usersInFriends": lambda _info: [_friends_user(u["id"]) for u in USERS]},
        entities={"User": lambda rep: _friends_user(rep["id"])},
    ),
}
