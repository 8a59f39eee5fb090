"""circular-reference-interface: Book.samePriceProduct points back at another Book (through the
Product interface) and provides its price; the plan must terminate and use the provided price."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

BOOKS: list[Obj] = [
    {"__typename": "Book", "id": "1", "price": 10.99},
    {"__typename": "Book", "id": "2", "price": 5.99},
    {"__typename": "Book", "id": "3", "price": 10.99},
]


def _book_in_a(row: Obj) -> Obj:
    def same_price(_info: object) -> Obj | None:
        other = next((b for b in BOOKS if b["price"] == row["price"] and b["id"] != row["id"]), None)
        return None if other is None else _book_in_a(other)

    return {**row, "samePriceProduct": same_price}


SUBGRAPHS = {
    # a has no reference resolver of its own: like Apollo's default, it echoes the representation.
    "a": Subgraph(query={"product": lambda _info: _book_in_a(BOOKS[0])},
                  entities={"Book": lambda rep: _book_in_a({"price": None, **rep})}),
    "b": Subgraph(entities={"Book": lambda rep: next((dict(b) for b in BOOKS if b["id"] == rep["id"]), None)}),
}
