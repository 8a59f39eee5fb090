"""input-object-intersection: UsersFilter.offset exists only in b, so composition drops it (input
types merge by intersection): sending it is a validation error at the gateway, whichever subgraph
the field belongs to. (The audit's a subgraph is not in the stored copy of the repository: it is
b without `offset`.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "name": "u1-name"}, {"id": "u2", "name": "u2-name"}]


def _users(_info: object, filter: Obj) -> list[Obj]:
    # As in the audit, `first` is not applied; b answers nothing when it sees an offset.
    return [] if "offset" in filter else [dict(u) for u in USERS]


def _find(rep: Obj) -> Obj | None:
    return next((dict(u) for u in USERS if u["id"] == rep["id"]), None)


SUBGRAPHS = {
    "a": Subgraph(query={"usersInA": _users}, entities={"User": _find}),
    "b": Subgraph(query={"usersInB": _users}, entities={"User": _find}),
}
