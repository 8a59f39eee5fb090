"""entity_interface: Account is an entity interface in accounts; billing sees it as one object type
(@interfaceObject) and cannot tell Personal from Business."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

ACCOUNTS = {
    "a1": {"__typename": "Personal", "id": "a1", "name": "Ada", "birthday": "12-10"},
    "a2": {"__typename": "Business", "id": "a2", "name": "Acme", "vat": "NL001"},
    "a3": {"__typename": "Personal", "id": "a3", "name": "Bob", "birthday": "01-02"},
}
BALANCES = {"a1": 50, "a2": 9000, "a3": -20}


def _account(rep: Obj) -> Obj | None:
    # Asked as Account (the interface, from an interfaceObject subgraph) or as the concrete type.
    row = ACCOUNTS.get(rep["id"])
    if row is None or rep["__typename"] not in ("Account", row["__typename"]):
        return None
    return row


def _balance(rep: Obj) -> Obj:
    return {"id": rep["id"], "balance": BALANCES[rep["id"]]}


def _entity_of_concrete_type(rep: Obj) -> Obj | None:
    row = _account(rep)
    return None if row is None else dict(row)


SUBGRAPHS = {
    "accounts": Subgraph(
        query={"accounts": list(ACCOUNTS.values())},
        entities={"Account": _account, "Personal": _entity_of_concrete_type, "Business": _entity_of_concrete_type},
    ),
    "billing": Subgraph(
        query={"richest": _balance({"id": "a2"}), "debtors": [_balance({"id": i}) for i in ("a3", "a1")]},
        entities={"Account": _balance},
    ),
}
