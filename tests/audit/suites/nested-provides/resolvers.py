"""nested-provides: category's `products` provides categories and their subCategories (nested,
through lists), so the whole query is answerable by one fetch. With poor plans punished
(tests/audit/poor_plans.py), every entity reference fails: any extra entity call shows."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

from tests.audit.poor_plans import punish_poor_plans

PRODUCTS = [{"id": "p1", "categories": ["c1", "c2"]}, {"id": "p2", "categories": ["c3", "c2"]}]
CATEGORIES = {
    "c1": {"id": "c1", "name": "Category 1", "subCategories": ["c2"]},
    "c2": {"id": "c2", "name": "Category 2", "subCategories": ["c3"]},
    "c3": {"id": "c3", "name": "Category 3", "subCategories": ["c1"]},
}


def _guard() -> None:
    if punish_poor_plans():
        raise GraphQLError("You should be using the categories subgraph!")


def _provided_products(_info: object) -> list[Obj]:
    def category(cid: str) -> Obj:
        c = CATEGORIES[cid]
        return {"id": c["id"], "name": c["name"], "subCategories": [
            {"id": s, "name": CATEGORIES[s]["name"]} for s in c["subCategories"]]}

    return [{"id": p["id"], "categories": [category(c) for c in p["categories"]]} for p in PRODUCTS]


def _product_id(rep: Obj) -> Obj | None:
    _guard()
    return next(({"id": p["id"]} for p in PRODUCTS if p["id"] == rep["id"]), None)


def _category_id(rep: Obj) -> Obj | None:
    _guard()
    return {"id": rep["id"]} if rep["id"] in CATEGORIES else None


def _sub_category(cid: str) -> Obj:
    c = CATEGORIES[cid]
    return {"id": c["id"], "subCategories": lambda _info: [_sub_category(s) for s in c["subCategories"]]}


def _sub_product(rep: Obj) -> Obj | None:
    _guard()
    product = next((p for p in PRODUCTS if p["id"] == rep["id"]), None)
    if product is None:
        return None
    return {"id": product["id"], "categories": lambda _info: [_sub_category(c) for c in product["categories"]]}


SUBGRAPHS = {
    "all-products": Subgraph(entities={"Product": _product_id}),
    "category": Subgraph(
        query={"products": _provided_products},
        entities={"Product": _product_id, "Category": _category_id},
    ),
    "subcategories": Subgraph(
        entities={
            "Product": _sub_product,
            "Category": lambda rep: _sub_category(rep["id"]) if rep["id"] in CATEGORIES else None,
        },
    ),
}
