"""provides_basic: reviews provides author.name and product { name vendor { name } } locally, so
those need no entity fetch; anything else under them does."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

USERS = {"u1": {"id": "u1", "name": "Ada", "username": "ada"}, "u2": {"id": "u2", "name": "Bob", "username": "bobby"}}
VENDORS = {"v1": {"id": "v1", "name": "Acme", "country": "NL"}}
PRODUCTS = {
    "p1": {"id": "p1", "name": "Anvil", "vendor": VENDORS["v1"], "price": 100},
    "p2": {"id": "p2", "name": "Rocket", "vendor": VENDORS["v1"], "price": 900},
}
REVIEWS = [
    {"body": "Heavy", "author": {"id": "u1", "name": "Ada"},
     "product": {"id": "p1", "name": "Anvil", "vendor": {"id": "v1", "name": "Acme"}}},
    {"body": "Fast", "author": {"id": "u2", "name": "Bob"},
     "product": {"id": "p2", "name": "Rocket", "vendor": {"id": "v1", "name": "Acme"}}},
]

SUBGRAPHS = {
    "reviews": Subgraph(query={"latestReviews": REVIEWS}),
    "accounts": Subgraph(entities={"User": lookup(USERS, "id")}),
    "products": Subgraph(
        entities={"Product": lookup(PRODUCTS, "id"), "Vendor": lookup(VENDORS, "id")}
    ),
}
