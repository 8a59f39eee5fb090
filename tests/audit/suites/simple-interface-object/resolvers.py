"""simple-interface-object: b and c see the NodeWithName and Account interfaces as objects
(@interfaceObject); only a knows the implementations (User, Admin, Regular). Type conditions and
__typename on what b returns need an entity fetch to a first. isActive is shared by a (Admin:
true) and c (false): the expected answers follow the audit's plans (c for a plain selection, a
under `... on Admin`). (The audit's b subgraph and data.ts are not in the stored copy of the
repository: they are written from its query plans and expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [
    {"id": "u1", "name": "u1-name", "age": 11, "username": "u1-username"},
    {"id": "u2", "name": "u2-name", "age": 22, "username": "u2-username"},
]
ACCOUNTS = [
    {"__typename": "Admin", "id": "u1", "name": "Alice", "isMain": False, "isActive": True},
    {"__typename": "Admin", "id": "u2", "name": "Bob", "isMain": True, "isActive": True},
    {"__typename": "Regular", "id": "u3", "name": "Charlie", "isMain": False, "isActive": True},
]


def _find(rows: list[Obj], rep: Obj) -> Obj | None:
    return next((r for r in rows if r["id"] == rep["id"]), None)


def _a_user(rep: Obj) -> Obj | None:
    row = _find(USERS, rep)
    return None if row is None else {"__typename": "User", "id": row["id"], "name": row["name"], "age": row["age"]}


def _a_account(rep: Obj, only: str | None = None) -> Obj | None:
    row = _find(ACCOUNTS, rep)
    if row is None or (only is not None and row["__typename"] != only):
        return None
    shown = {k: row[k] for k in ("__typename", "id", "isMain")}
    return shown | ({"isActive": row["isActive"]} if row["__typename"] == "Admin" else {})


SUBGRAPHS = {
    "a": Subgraph(
        query={"users": lambda _info: [_a_user(u) for u in USERS]},
        entities={
            "NodeWithName": _a_user,
            "User": _a_user,
            "Account": _a_account,
            "Admin": lambda rep: _a_account(rep, "Admin"),
            "Regular": lambda rep: _a_account(rep, "Regular"),
        },
    ),
    "b": Subgraph(
        query={
            "anotherUsers": lambda _info: [{"id": u["id"], "username": u["username"]} for u in USERS],
            "accounts": lambda _info: [{"id": a["id"], "name": a["name"]} for a in ACCOUNTS],
        },
        entities={
            "NodeWithName": lambda rep: (lambda u: None if u is None else {
                "id": u["id"], "username": u["username"]})(_find(USERS, rep)),
            "Account": lambda rep: (lambda a: None if a is None else {"id": a["id"], "name": a["name"]})(
                _find(ACCOUNTS, rep)),
        },
    ),
    # c answers isActive: false for every account, so it shows which subgraph the gateway asked.
    "c": Subgraph(entities={"Account": lambda rep: None if _find(ACCOUNTS, rep) is None else {
        "id": rep["id"], "isActive": False}}),
}
