"""abstract_shareable_members: Query.shelf and the Shelf fields are @shareable in shop and store,
but each subgraph's union Item (and interface Thing) has different members: shop has Book | Pen,
store has Book | Toy (store has no Pen type, shop no Toy). Whichever subgraph answers `shelf`, its
answer only holds its own members; a fragment on a member it lacks is never sent to it."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

SHOP_ITEMS = [
    {"__typename": "Book", "id": "b1", "title": "Dune"},
    {"__typename": "Pen", "id": "p1", "colour": "red"},
]
STORE_ITEMS = [
    {"__typename": "Toy", "id": "t1", "label": "Kite", "ages": "6+"},
    {"__typename": "Book", "id": "b2", "stock": 4},
]
BOOKS = {
    "b1": {"id": "b1", "title": "Dune", "stock": 7},
    "b2": {"id": "b2", "title": "Emma", "stock": 4},
}

SUBGRAPHS = {
    "shop": Subgraph(
        query={"shelf": {"name": "Main", "items": SHOP_ITEMS, "highlight": SHOP_ITEMS[1]}},
        entities={"Book": lookup({k: {"id": k, "title": v["title"]} for k, v in BOOKS.items()}, "id")},
    ),
    "store": Subgraph(
        query={
            "shelf": {"name": "Main", "items": STORE_ITEMS, "highlight": STORE_ITEMS[0], "owner": "Ann"},
            "corner": {"name": "Corner", "items": STORE_ITEMS, "highlight": STORE_ITEMS[1], "owner": "Bo"},
        },
        entities={"Book": lookup({k: {"id": k, "stock": v["stock"]} for k, v in BOOKS.items()}, "id")},
    ),
}
