"""abstract-types: Product and Similar interfaces implemented by Book and Magazine across seven
subgraphs; a PublisherType union whose members differ per subgraph (Agency | Self in products,
Agency | Group in agency); @requires through interfaces (delivery, reviewsOfSimilar); @include /
@skip on type conditions; and client aliases that keep Agency.email (an object) apart from
Self.email (a string). (The audit's users subgraph is not in the stored copy of the repository:
it is the User-by-email owner its index.ts names; Agency 1's email is read back from the expected
answers.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.resolvers import Obj, Subgraph

USERS = [
    {"id": "u1", "email": "u1@example.com", "name": "u1-name"},
    {"id": "u2", "email": "u2@example.com", "name": "u2-name"},
    {"id": "u3", "email": "u3@example.com", "name": "u3-name"},
]
PRODUCTS: list[Obj] = [
    {"__typename": "Book", "id": "p1", "sku": "sku-1", "title": "Book 1", "createdBy": "u1",
     "dimensions": {"size": "small", "weight": 0.5}, "publisher": {"__typename": "Self", "email": "u1@example.com"},
     "hidden": False},
    {"__typename": "Book", "id": "p3", "sku": "sku-3", "title": "Book 2", "createdBy": "u2",
     "dimensions": {"size": "small", "weight": 0.6}, "publisher": {"__typename": "Agency", "id": "a1"},
     "hidden": False},
    {"__typename": "Magazine", "id": "p2", "sku": "sku-2", "title": "Magazine 1", "createdBy": "u1",
     "dimensions": {"size": "small", "weight": 0.2}, "publisher": {"__typename": "Agency", "id": "a1"},
     "hidden": False},
    {"__typename": "Magazine", "id": "p4", "sku": "sku-4", "title": "Magazine 2", "createdBy": "u2",
     "dimensions": {"size": "small", "weight": 0.3}, "publisher": {"__typename": "Self", "email": "u1@example.com"},
     "hidden": True},
]
REVIEWS = [
    {"id": 1, "body": "review 1", "productId": "p1", "score": 3},
    {"id": 2, "body": "review 2", "productId": "p1", "score": 4},
    {"id": 3, "body": "review 3", "productId": "p2", "score": 5},
]
AGENCIES = [{"id": "a1", "companyName": "Agency 1", "email": {"address": "a1@example.com"}}]


def _product(product_id: Any, typename: str | None = None) -> Obj | None:
    row = next((p for p in PRODUCTS if p["id"] == product_id), None)
    return None if row is None or (typename and row["__typename"] != typename) else row


# --- products
def _user_ref(user_id: str) -> Obj | None:
    user = next((u for u in USERS if u["id"] == user_id), None)
    return None if user is None else _products_user(user)


def _products_user(user: Obj) -> Obj:
    return {"email": user["email"],
            "totalProductsCreated": sum(p["createdBy"] == user["id"] for p in PRODUCTS)}


def _products_product(row: Obj) -> Obj:
    return {
        "__typename": row["__typename"], "id": row["id"], "sku": row["sku"], "dimensions": dict(row["dimensions"]),
        "hidden": row["hidden"], "publisherType": dict(row["publisher"]),
        "createdBy": lambda _info: _user_ref(row["createdBy"]),
        "similar": lambda _info: [_products_product(p) for p in PRODUCTS
                                  if p["__typename"] == row["__typename"] and p["id"] != row["id"]],
    }


def _similar(_info: object, id: str) -> list[Obj]:
    row = _product(id)
    if row is None:
        return []
    return [_products_product(p) for p in PRODUCTS if p["id"] != id and p["__typename"] == row["__typename"]]


def _products_entity(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        row = _product(rep["id"], typename)
        return None if row is None else _products_product(row)

    return resolve


# --- inventory: delivery from the representation's dimensions
def _inventory_entity(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        if _product(rep["id"], typename) is None:
            return None
        dimensions = rep.get("dimensions")

        def delivery(_info: object, zip: str | None = None) -> Obj | None:
            if not zip or not dimensions:
                return None
            if dimensions["size"] == "small" and dimensions["weight"] < 1:
                return {"estimatedDelivery": "1 day", "fastestDelivery": "same day"}
            if dimensions["size"] == "large" and dimensions["weight"] >= 1:
                return {"estimatedDelivery": "3 days", "fastestDelivery": "2 days"}
            return None

        return {"id": rep["id"], "dimensions": dimensions, "delivery": delivery}

    return resolve


# --- reviews
def _review(row: Obj) -> Obj:
    # The product as the reviews subgraph sees it (its fields resolve here), built on demand.
    def product(_info: object) -> Obj | None:
        found = _product(row["productId"])
        if found is None:
            return None
        entity = _reviews_entity(found["__typename"])({"id": found["id"]})
        return None if entity is None else {"__typename": found["__typename"], **entity}

    return {"id": row["id"], "body": row["body"], "product": product}


def _reviews_entity(typename: str) -> Callable[[Obj], Obj | None]:
    def resolve(rep: Obj) -> Obj | None:
        row = _product(rep["id"], typename)
        if row is None:
            return None
        mine = [r for r in REVIEWS if r["productId"] == row["id"]]

        def reviews_of_similar(_info: object) -> list[Obj]:
            similar_ids = [s["id"] for s in rep.get("similar") or []]
            return [_review(r) for r in REVIEWS if r["productId"] in similar_ids]

        return {
            "id": row["id"], "reviewsCount": len(mine),
            "reviewsScore": sum(r["score"] for r in mine) / len(mine) if mine else 0,
            "reviews": [_review(r) for r in mine], "reviewsOfSimilar": reviews_of_similar,
        }

    return resolve


def _title_entity(typename: str) -> object:
    def resolve(rep: Obj) -> Obj | None:
        row = _product(rep["id"], typename)
        return None if row is None else {"id": row["id"], "title": row["title"]}

    return resolve


def _agency(rep: Obj) -> Obj | None:
    row = next((a for a in AGENCIES if a["id"] == rep["id"]), None)
    return None if row is None else {"id": row["id"], "companyName": row["companyName"], "email": dict(row["email"])}


SUBGRAPHS = {
    "agency": Subgraph(entities={
        "Agency": _agency,
        "Group": lambda rep: {"id": rep["id"], "name": f"Group {rep['id']}", "email": f"group{rep['id']}@example.com"},
    }),
    "books": Subgraph(
        query={"books": lambda _info: [{"id": p["id"], "title": p["title"]} for p in PRODUCTS if p["__typename"] == "Book"]},
        entities={"Book": _title_entity("Book")},
    ),
    "inventory": Subgraph(entities={"Book": _inventory_entity("Book"), "Magazine": _inventory_entity("Magazine")}),
    "magazines": Subgraph(
        query={"magazines": lambda _info: [
            {"id": p["id"], "title": p["title"]} for p in PRODUCTS if p["__typename"] == "Magazine"]},
        entities={"Magazine": _title_entity("Magazine")},
    ),
    "products": Subgraph(
        query={"products": lambda _info: [_products_product(p) for p in PRODUCTS], "similar": _similar},
        entities={
            "Book": _products_entity("Book"),
            "Magazine": _products_entity("Magazine"),
            "User": lambda rep: next((_products_user(u) for u in USERS if u["email"] == rep["email"]), None),
        },
    ),
    "reviews": Subgraph(
        query={"review": lambda _info, id: next((_review(r) for r in REVIEWS if r["id"] == id), None)},
        entities={"Book": _reviews_entity("Book"), "Magazine": _reviews_entity("Magazine")},
    ),
    "users": Subgraph(entities={"User": lambda rep: next(
        ({"email": u["email"], "name": u["name"],
          "totalProductsCreated": sum(p["createdBy"] == u["id"] for p in PRODUCTS)}
         for u in USERS if u["email"] == rep["email"]), None)}),
}
