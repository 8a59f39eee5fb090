"""interface-object-with-requires: b sees NodeWithName as an @interfaceObject whose username
@requires `name`, owned by a (which knows the User implementation). username fails unless the
representation carries name, even on b's own root field. (The audit's a subgraph is not in the
stored copy of the repository: it is the NodeWithName/User owner its README describes.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

USERS = [
    {"id": "u1", "name": "u1-name", "username": "u1-username", "age": 11},
    {"id": "u2", "name": "u2-name", "username": "u2-username", "age": 22},
]


def _row(rep: Obj) -> Obj | None:
    return next((u for u in USERS if u["id"] == rep["id"]), None)


def _a_user(rep: Obj) -> Obj | None:
    row = _row(rep)
    return None if row is None else {"__typename": "User", "id": row["id"], "name": row["name"], "age": row["age"]}


def _b_node(row: Obj | None, name: str | None) -> Obj | None:
    if row is None:
        return None

    def username(_info: object) -> str:
        if not name:
            raise GraphQLError("Requires field 'name' not provided")
        return row["username"]

    return {"id": row["id"], "username": username}


SUBGRAPHS = {
    "a": Subgraph(query={"users": lambda _info: [_a_user(u) for u in USERS]},
                  entities={"NodeWithName": _a_user, "User": _a_user}),
    "b": Subgraph(
        query={"anotherUsers": lambda _info: [_b_node(u, None) for u in USERS]},
        entities={"NodeWithName": lambda rep: _b_node(_row(rep), rep.get("name"))},
    ),
}
