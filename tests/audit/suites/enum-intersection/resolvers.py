"""enum-intersection: UserType is an input and an output enum; ANONYMOUS is @inaccessible, so it
is not in the API schema: a client cannot send it (a validation error, no data), and a subgraph
value of ANONYMOUS must reach the client as null. (Only the audit's test.ts is in the stored copy
of the repository: the subgraphs are written from its expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "type": "REGULAR"}, {"id": "u2", "type": "ANONYMOUS"}]


def _find(rep: Obj) -> Obj | None:
    return next((dict(u) for u in USERS if u["id"] == rep["id"]), None)


SUBGRAPHS = {
    "a": Subgraph(
        query={
            "users": lambda _info: [dict(u) for u in USERS],
            "usersByType": lambda _info, type: [dict(u) for u in USERS if u["type"] == type],
        },
        entities={"User": _find},
    ),
    "b": Subgraph(query={"usersB": lambda _info: [dict(u) for u in USERS]}, entities={"User": _find}),
}
