"""mutations: root mutation fields across three subgraphs must run one after another, in document
order (5, x2, +2, read back), and an added product's entity fields come from b in ONE entity
fetch: resolving a Product reference deletes it, as in the audit, so a second fetch finds nothing."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

P1 = {"id": "p1", "name": "p1-name", "price": 9.99}
PRODUCTS: list[Obj] = []
NUMBERS: dict[str, int] = {}


def reset() -> None:
    PRODUCTS.clear()
    NUMBERS.clear()


def _init_products() -> None:
    if not any(p["id"] == P1["id"] for p in PRODUCTS):
        PRODUCTS.append(dict(P1))


def _take(product_id: str) -> Obj | None:
    """The product, removed from the store (a reference resolves once)."""
    found = next((p for p in PRODUCTS if p["id"] == product_id), None)
    if found is not None:
        PRODUCTS.remove(found)
    return found


def _product(_info: object, id: str) -> Obj | None:
    _init_products()
    return next((dict(p) for p in PRODUCTS if p["id"] == id), None)


def _products(_info: object) -> list[Obj]:
    _init_products()
    return [dict(p) for p in PRODUCTS]


def _add_product(_info: object, input: Obj) -> Obj:
    product = {"id": f"p-added-{len(PRODUCTS)}", "name": input["name"], "price": input["price"]}
    PRODUCTS.append(product)
    return dict(product)


def _add(_info: object, num: int, requestId: str) -> int:
    NUMBERS[requestId] = NUMBERS.get(requestId, 0) + num
    return NUMBERS[requestId]


def _multiply(_info: object, by: int, requestId: str) -> int:
    NUMBERS[requestId] = NUMBERS.get(requestId, 0) * by
    return NUMBERS[requestId]


def _delete(_info: object, requestId: str) -> int:
    return NUMBERS.pop(requestId, 0)


def _b_product(rep: Obj) -> Obj | None:
    product = _take(rep["id"])
    if product is None:
        return None
    price = product.get("price")

    def is_expensive(_info: object) -> bool:
        if not isinstance(price, int | float):
            raise GraphQLError("Price is not available")
        return price > 100

    return {"id": product["id"], "isAvailable": True, "price": price, "isExpensive": is_expensive}


SUBGRAPHS = {
    "a": Subgraph(
        query={"product": _product, "products": _products},
        mutation={"addProduct": _add_product, "multiply": _multiply},
        entities={"Product": lambda rep: _take(rep["id"])},
    ),
    "b": Subgraph(mutation={"delete": _delete}, entities={"Product": _b_product}),
    "c": Subgraph(mutation={"add": _add}),
}
