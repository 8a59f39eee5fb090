"""simple-requires-provides: the classic accounts/products/inventory/reviews federation.
inventory's shipping fields @require price and weight from products; reviews @provides the
author's username. (The audit's accounts subgraph and data.ts are not in the stored copy of the
repository: accounts is the usual `me`/User owner, and the data is read back from the expected
answers of test.ts.)"""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

USERS = [
    {"id": "u1", "name": "u-name-1", "username": "u-username-1"},
    {"id": "u2", "name": "u-name-2", "username": "u-username-2"},
]
PRODUCTS = [
    {"upc": "p1", "name": "p-name-1", "price": 11, "weight": 1},
    {"upc": "p2", "name": "p-name-2", "price": 22, "weight": 2},
]
IN_STOCK = ["p1"]
REVIEWS = [
    {"id": "r1", "body": "r-body-1", "authorId": "u1", "productUpc": "p1"},
    {"id": "r2", "body": "r-body-2", "authorId": "u1", "productUpc": "p2"},
]


def _find(rows: list[Obj], field: str, value: object) -> Obj | None:
    return next((dict(r) for r in rows if r[field] == value), None)


# --- inventory: computed from the representation's price and weight
def _inventory_product(rep: Obj) -> Obj | None:
    if _find(PRODUCTS, "upc", rep["upc"]) is None:
        return None
    price, weight = rep.get("price"), rep.get("weight")

    def estimate() -> int:
        if price is None or weight is None:
            raise GraphQLError("price and weight were not provided")
        return price * weight * 10

    return {
        "upc": rep["upc"], "inStock": rep["upc"] in IN_STOCK,
        "shippingEstimate": lambda _info: estimate(),
        "shippingEstimateTag": lambda _info: f"#{rep['upc']}#{estimate()}#",
    }


# --- reviews
def _review(row: Obj) -> Obj:
    return {
        "id": row["id"], "body": row["body"],
        "author": lambda _info: (lambda u: None if u is None else {"id": u["id"], "username": u["username"]})(
            _find(USERS, "id", row["authorId"])),
        "product": lambda _info: _reviews_product({"upc": row["productUpc"]}),
    }


def _reviews_product(rep: Obj) -> Obj:
    return {"upc": rep["upc"], "reviews": lambda _info: [_review(r) for r in REVIEWS if r["productUpc"] == rep["upc"]]}


def _reviews_user(rep: Obj) -> Obj | None:
    user = _find(USERS, "id", rep["id"])
    if user is None:
        return None
    return {"id": user["id"], "username": user["username"],
            "reviews": lambda _info: [_review(r) for r in REVIEWS if r["authorId"] == user["id"]]}


SUBGRAPHS = {
    "accounts": Subgraph(
        query={"me": lambda _info: dict(USERS[0])},
        entities={"User": lambda rep: _find(USERS, "id", rep["id"])},
    ),
    "inventory": Subgraph(entities={"Product": _inventory_product}),
    "products": Subgraph(
        query={"products": lambda _info: [dict(p) for p in PRODUCTS]},
        entities={"Product": lambda rep: _find(PRODUCTS, "upc", rep["upc"])},
    ),
    "reviews": Subgraph(
        entities={
            "Review": lambda rep: (lambda r: None if r is None else _review(r))(_find(REVIEWS, "id", rep["id"])),
            "User": _reviews_user,
            "Product": _reviews_product,
        },
    ),
}
