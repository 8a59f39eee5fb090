"""reviews: reviews of products, and the reviews of users.

Quirks kept from the reference implementation (expected.json depends on them): every review's
author is user 1 with username "urigo"; every `User` gets reviews 1 and 2, and a `User` resolved as
an entity has username "user"; `Product.reviews` are the reviews whose product upc matches.
"""

from __future__ import annotations

from typing import Any

from .schema import Subgraph

SDL = """
type Review @key(fields: "id") {
  id: ID!
  body: String
  product: Product
  author: User @provides(fields: "username")
}

extend type User @key(fields: "id") {
  id: ID! @external
  username: String @external
  reviews: [Review]
}

extend type Product @key(fields: "upc") {
  upc: String! @external
  reviews: [Review]
}
"""


def subgraph(data: dict[str, Any]) -> Subgraph:
    reviews: list[dict[str, Any]] = data["reviews"]
    by_id = {review["id"]: review for review in reviews}
    by_upc: dict[str, list[dict[str, Any]]] = {}
    for review in reviews:
        by_upc.setdefault(review["productUpc"], []).append(review)
    user_reviews = [by_id["1"], by_id["2"]]
    author = {"id": "1", "username": "urigo"}

    return Subgraph(
        name="reviews",
        sdl=SDL,
        resolvers={
            "Review": {
                "product": lambda review, _info: {"upc": review["productUpc"]},
                "author": lambda _review, _info: author,
            },
            "User": {"reviews": lambda _user, _info: user_reviews},
            "Product": {"reviews": lambda product, _info: by_upc.get(product["upc"], [])},
        },
        references={
            "Review": lambda rep: by_id.get(rep.get("id")),
            "User": lambda rep: {"id": rep.get("id"), "username": "user"},
            "Product": lambda rep: {"upc": rep.get("upc")},
        },
    )
