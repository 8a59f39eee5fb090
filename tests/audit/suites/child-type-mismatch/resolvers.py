"""child-type-mismatch: User.name is `String!` in a but `String` in b, so the supergraph says
`String`; Admin.name is `String`. The client may select `name` on both union members, but the
same selection sent to a conflicts there (String! vs String under one response key): the gateway
must alias one of them in the subgraph query and restore the client's keys, at every depth.
(Only the audit's test.ts and data are in the stored copy of the repository: the subgraphs are
written from its expected answers and its operation names, "NestedInternalAlias".)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "name": "u1-name"}]
ADMINS = [{"id": "a1", "name": "a1-name"}]


def _accounts() -> list[Obj]:
    return [_account("User", u) for u in USERS] + [_account("Admin", a) for a in ADMINS]


def _account(typename: str, row: Obj) -> Obj:
    return {"__typename": typename, **row, "similarAccounts": lambda _info: _accounts()}


SUBGRAPHS = {
    "a": Subgraph(
        query={"users": lambda _info: [_account("User", u) for u in USERS], "accounts": lambda _info: _accounts()},
        entities={"User": lambda rep: next((_account("User", u) for u in USERS if u["id"] == rep["id"]), None)},
    ),
    "b": Subgraph(entities={"User": lambda rep: next((dict(u) for u in USERS if u["id"] == rep["id"]), None)}),
}
