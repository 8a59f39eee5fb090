"""inventory: stock and shipping estimates of products.

Quirk kept from the reference implementation: the entity resolver drops the representation's
required `price` and `weight`, so `shippingEstimate` always resolves to null (as in expected.json).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from .schema import Subgraph

SDL = """
extend type Product @key(fields: "upc") {
  upc: String! @external
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
"""


def shipping_estimate(product: dict[str, Any], _info: GraphQLResolveInfo) -> int | None:
    price, weight = product.get("price"), product.get("weight")
    if price is None or weight is None:
        return None
    return 0 if price > 1000 else weight // 2  # free for expensive items


def subgraph(data: dict[str, Any]) -> Subgraph:
    in_stock = {item["upc"]: item["inStock"] for item in data["inventory"]}

    def reference(rep: dict[str, Any]) -> dict[str, Any] | None:
        upc = rep.get("upc")
        if upc not in in_stock:
            return None
        return {"upc": upc, "inStock": in_stock[upc]}  # the quirk: price and weight not kept

    return Subgraph(
        name="inventory",
        sdl=SDL,
        resolvers={"Product": {"shippingEstimate": shipping_estimate}},
        references={"Product": reference},
    )
