"""typename: __typename (plain and aliased, in and out of fragments) on a union, an interface and an
@interfaceObject list. b serves `users` as the User interface object, so the real __typename
(Admin) must come from a, which knows the implementations. (Only the audit's test.ts is in the
stored copy of the repository: the subgraphs are written from its README and expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "isMain": True}, {"id": "u2", "isMain": False}]


def _admin(rep: Obj) -> Obj | None:
    row = next((u for u in USERS if u["id"] == rep["id"]), None)
    return None if row is None else {"__typename": "Admin", **row}


SUBGRAPHS = {
    "a": Subgraph(
        query={
            "union": lambda _info: {"__typename": "Oven", "id": "1"},
            "interface": lambda _info: {"__typename": "Toaster", "id": "2"},
        },
        entities={
            "Oven": lambda rep: {"id": rep["id"]},
            "Toaster": lambda rep: {"id": rep["id"]},
            "User": _admin,
            "Admin": _admin,
        },
    ),
    "b": Subgraph(
        query={"users": lambda _info: [{"id": u["id"]} for u in USERS]},
        entities={"User": lambda rep: {"id": rep["id"]}},
    ),
}
