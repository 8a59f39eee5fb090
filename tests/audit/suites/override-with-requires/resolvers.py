"""override-with-requires: b overrides User.name from a, and a and c each compute a field that
@requires name: every hop to a or c must first fetch name from b and carry it in the
representation. (The audit's subgraphs are not in the stored copy of the repository, only its
data and test.ts: they are written from the query plans there.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "name": "u1-name"}, {"id": "u2", "name": "u2-name"}, {"id": "u3", "name": "u3-name"}]


def _known(rep: Obj) -> bool:
    return any(u["id"] == rep["id"] for u in USERS)


def _requirer(prefix: str, field: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        if not _known(rep):
            return None

        def value(_info: object) -> str:
            if not isinstance(rep.get("name"), str):
                raise GraphQLError("User.name was not provided")
            return f"{prefix}__{rep['name']}"

        return {"id": rep["id"], field: value}

    return resolve


SUBGRAPHS = {
    "a": Subgraph(query={"userInA": lambda _info: {"id": "u1"}}, entities={"User": _requirer("a", "aName")}),
    "b": Subgraph(
        query={"userInB": lambda _info: dict(USERS[1])},
        entities={"User": lambda rep: next((dict(u) for u in USERS if u["id"] == rep["id"]), None)},
    ),
    "c": Subgraph(query={"userInC": lambda _info: {"id": "u3"}}, entities={"User": _requirer("c", "cName")}),
}
