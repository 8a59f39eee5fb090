"""union-interface-distributed: Oven implements Node only in b, Toaster only in a. Subgraph a's
`node`/`nodes` can only return Toasters; asking a for an Oven as a Node is a subgraph error that
the gateway must surface (data null + errors), not paper over with an entity fetch to b."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS: list[Obj] = [
    {"__typename": "Oven", "id": "oven1"},
    {"__typename": "Oven", "id": "oven2"},
    {"__typename": "Toaster", "id": "toaster1", "warranty": 3},
    {"__typename": "Toaster", "id": "toaster2", "warranty": 4},
]


def _find(typename: str, rep: Obj) -> Obj | None:
    row = next((p for p in PRODUCTS if p["id"] == rep["id"]), None)
    return dict(row) if row is not None and row["__typename"] == typename else None


def _node(_info: object, id: str) -> Obj | None:
    # Returns an Oven for an oven id, as a's resolver does: a's schema then rejects it for Node.
    row = next((p for p in PRODUCTS if p["id"] == id), None)
    return None if row is None else dict(row)


def _toasters(_info: object) -> list[Obj]:
    return [dict(p) for p in PRODUCTS if p["__typename"] == "Toaster"]


SUBGRAPHS = {
    "a": Subgraph(
        query={
            "products": lambda _info: [dict(p) for p in PRODUCTS],
            "node": _node,
            "nodes": _toasters,
            "toasters": _toasters,
        },
        entities={"Oven": lambda rep: _find("Oven", rep), "Toaster": lambda rep: _find("Toaster", rep)},
    ),
    "b": Subgraph(
        entities={"Oven": lambda rep: (lambda o: None if o is None else {**o, "warranty": 1})(_find("Oven", rep))},
    ),
}
