"""parent-entity-call: Category.details lives only in c, where Category is a plain value type
reachable only through Product.category; the gateway must fetch the parent Product from c (by its
`id pid` key) and select category.details there, since Category itself cannot be fetched from c."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = [
    {"id": "p1", "pid": "p1-pid", "categoryId": "c1"},
    {"id": "p2", "pid": "p2-pid", "categoryId": "c2"},
    {"id": "p3", "pid": "p3-pid", "categoryId": "c1"},
]
CATEGORIES = [
    {"id": c, "name": f"{c}-name", "details": {"products": sum(p["categoryId"] == c for p in PRODUCTS)}}
    for c in ("c1", "c2")
]


def _category(category_id: str) -> Obj | None:
    return next((c for c in CATEGORIES if c["id"] == category_id), None)


def _entity_category(row: Obj | None) -> Obj | None:
    return None if row is None else {"id": row["id"], "name": row["name"]}


def _product(row: Obj | None, *, details_only: bool = False) -> Obj | None:
    if row is None:
        return None
    category = _category(row["categoryId"])
    if details_only:  # subgraph c sees Category as {details} only
        shown = None if category is None else {"details": category["details"]}
    else:
        shown = _entity_category(category)
    return {"id": row["id"], "pid": row["pid"], "category": shown}


def _find(rep: Obj) -> Obj | None:
    return next(
        (p for p in PRODUCTS if p["id"] == rep["id"] and ("pid" not in rep or p["pid"] == rep["pid"])), None
    )


SUBGRAPHS = {
    "a": Subgraph(
        query={"products": lambda _info: [_product(p) for p in PRODUCTS]},
        entities={
            "Product": lambda rep: _product(_find(rep)),
            "Category": lambda rep: _entity_category(_category(rep["id"])),
        },
    ),
    "b": Subgraph(
        entities={
            "Product": lambda rep: _product(_find(rep)),
            "Category": lambda rep: _entity_category(_category(rep["id"])),
        },
    ),
    "c": Subgraph(entities={"Product": lambda rep: _product(_find(rep), details_only=True)}),
}
