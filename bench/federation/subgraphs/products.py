"""products: the catalogue and `topProducts(first)`."""

from __future__ import annotations

from typing import Any

from .schema import Subgraph

SDL = """
extend type Query {
  topProducts(first: Int = 5): [Product]
}

type Product @key(fields: "upc") {
  upc: String!
  name: String
  price: Int
  weight: Int
}
"""


def subgraph(data: dict[str, Any]) -> Subgraph:
    products: list[dict[str, Any]] = data["products"]
    by_upc = {product["upc"]: product for product in products}
    return Subgraph(
        name="products",
        sdl=SDL,
        resolvers={"Query": {"topProducts": lambda _root, _info, first=5: products[:first]}},
        references={"Product": lambda rep: by_upc.get(rep.get("upc"))},
    )
