"""requires-interface: a's User.city requires `address { id }` and country requires
`address { ... on WorkAddress { id } }`, where address (an interface) is owned by b. For a user
with a HomeAddress the type condition selects nothing, so country has no input and is null.
(The audit's b subgraph and data.ts are not in the stored copy of the repository: they are
written from its query plans, their notes and the expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

USERS = [{"id": "u1", "name": "u1-name", "address": "a1"}, {"id": "u2", "name": "u2-name", "address": "a2"}]
ADDRESSES = [
    {"__typename": "HomeAddress", "id": "a1", "city": "a1-city", "country": "a1-country"},
    {"__typename": "WorkAddress", "id": "a2", "city": "a2-city", "country": "a2-country"},
]


def _user(rep: Obj) -> Obj | None:
    return next((u for u in USERS if u["id"] == rep["id"]), None)


def _address(address_id: object) -> Obj | None:
    return next((a for a in ADDRESSES if a["id"] == address_id), None)


def _a_user(rep: Obj) -> Obj | None:
    user = _user(rep)
    if user is None:
        return None
    # Only what the representation carries: an address id, when the requirement selected one.
    sent = rep.get("address") or {}
    found = _address(sent.get("id"))
    return {
        "id": user["id"], "name": user["name"],
        "city": None if found is None else found["city"],
        "country": None if found is None else found["country"],
    }


def _a_address(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        found = _address(rep["id"])
        return None if found is None or found["__typename"] != typename else {"id": found["id"], "city": found["city"]}

    return resolve


def _b_user(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    address = _address(row["address"])
    return {"id": row["id"], "name": row["name"],
            "address": None if address is None else {"__typename": address["__typename"], "id": address["id"]}}


def _b_address(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        found = _address(rep["id"])
        return None if found is None or found["__typename"] != typename else {"id": found["id"]}

    return resolve


SUBGRAPHS = {
    "a": Subgraph(
        query={"a": lambda _info: {"id": USERS[0]["id"], "name": USERS[0]["name"]}},
        entities={"User": _a_user, "HomeAddress": _a_address("HomeAddress"), "WorkAddress": _a_address("WorkAddress")},
    ),
    "b": Subgraph(
        query={"b": lambda _info: _b_user(USERS[1])},
        entities={"User": lambda rep: _b_user(_user(rep)), "HomeAddress": _b_address("HomeAddress"),
                  "WorkAddress": _b_address("WorkAddress"), "SecondAddress": _b_address("SecondAddress")},
    ),
}
