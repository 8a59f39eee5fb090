"""provides-on-interface: b's `media` provides `animals { id name }` through the Media interface;
Cat.age lives only in c, where it is reached through the parent Book entity. With poor plans
punished (tests/audit/poor_plans.py), c refuses Dog references. (The audit's a subgraph and
data.ts are not in the stored copy of the repository: a is the minimal owner of Book and its
shared `media`, and the data is read back from the expected answers.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

from tests.audit.poor_plans import punish_poor_plans

MEDIAS = [{"__typename": "Book", "id": "m1", "animals": ["a1", "a2"]}]
ANIMALS = [
    {"__typename": "Dog", "id": "a1", "name": "Fido", "age": 3},
    {"__typename": "Cat", "id": "a2", "name": "Whiskers", "age": 6},
]


def _animal(animal_id: str, *fields: str) -> Obj | None:
    row = next((a for a in ANIMALS if a["id"] == animal_id), None)
    return None if row is None else {k: row[k] for k in ("__typename", "id", "name", *fields)}


def _c_book(rep: Obj) -> Obj | None:
    media = next((m for m in MEDIAS if m["id"] == rep["id"]), None)
    if media is None:
        return None
    return {"__typename": "Book", "id": media["id"],
            "animals": lambda _info: [_animal(a, "age") for a in media["animals"]]}


def _c_animal(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        if typename == "Dog" and punish_poor_plans():
            raise GraphQLError("You should be using the 'c' subgraph!")
        found = _animal(rep["id"], "age")
        return found if found is not None and found["__typename"] == typename else None

    return resolve


SUBGRAPHS = {
    "a": Subgraph(
        query={"media": lambda _info: {"__typename": "Book", "id": MEDIAS[0]["id"]}},
        entities={"Book": lambda rep: {"id": rep["id"]} if any(m["id"] == rep["id"] for m in MEDIAS) else None},
    ),
    "b": Subgraph(query={"media": lambda _info: {
        "__typename": "Book", "id": MEDIAS[0]["id"], "animals": [_animal(a) for a in MEDIAS[0]["animals"]]}}),
    "c": Subgraph(entities={"Book": _c_book, "Dog": _c_animal("Dog"), "Cat": _c_animal("Cat")}),
}
