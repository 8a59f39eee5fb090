"""complex-entity-call: ProductList is keyed by a list of nested products; each subgraph keys
Product differently (id / id pid / id pid category{id tag}), so the gateway must hop link -> list ->
price, building ever larger nested representations from what earlier fetches returned."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph

PRODUCTS = [
    {"id": "1", "pid": "p1", "categoryId": "c1", "price": 100},
    {"id": "2", "pid": "p2", "categoryId": "c2", "price": 200},
]
CATEGORIES = [
    {"id": "c1", "tag": "t1", "mainProduct": "1"},
    {"id": "c2", "tag": "t2", "mainProduct": "2"},
]


def _category_row(category_id: str) -> Obj | None:
    return next((c for c in CATEGORIES if c["id"] == category_id), None)


# --- products subgraph: Product {id category}, Category {id tag mainProduct}
def _products_product(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    return {"id": row["id"], "category": lambda _info: _products_category(_category_row(row["categoryId"]))}


def _products_category(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    main = next(p for p in PRODUCTS if p["id"] == row["mainProduct"])
    return {"id": row["id"], "tag": row["tag"], "mainProduct": lambda _info: _products_product(main)}


def _products_list(rep: Obj) -> Obj:
    wanted = {k["id"] for k in rep["products"]}
    return {"products": [_products_product(p) for p in PRODUCTS if p["id"] in wanted]}


# --- list subgraph: ProductList {products first selected}, Product {id pid}
def _plain(row: Obj | None) -> Obj | None:
    return None if row is None else {"id": row["id"], "pid": row["pid"]}


def _list_list(rep: Obj) -> Obj:
    keys = {(k["id"], k["pid"]) for k in rep["products"]}
    rows = [p for p in PRODUCTS if (p["id"], p["pid"]) in keys]
    return {
        "products": [_plain(p) for p in rows],
        "first": _plain(rows[0]) if rows else None,
        "selected": _plain(rows[1]) if len(rows) > 1 else None,
    }


# --- price subgraph: Product {id pid price category}, Category {id tag}
def _price_product(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    category = _category_row(row["categoryId"])
    return {
        "id": row["id"], "pid": row["pid"], "price": {"price": row["price"]},
        "category": None if category is None else {"id": category["id"], "tag": category["tag"]},
    }


def _price_matches(row: Obj, key: dict[str, Any]) -> bool:
    category = _category_row(row["categoryId"])
    return (row["id"], row["pid"]) == (key["id"], key["pid"]) and category is not None and (
        category["id"], category["tag"]) == (key["category"]["id"], key["category"]["tag"])


def _price_list(rep: Obj) -> Obj:
    rows = [p for p in PRODUCTS if any(_price_matches(p, k) for k in rep["products"])]
    selected = next((p for p in PRODUCTS if p["id"] == rep["selected"]["id"]), None)
    return {
        "products": [_price_product(p) for p in rows],
        "first": _price_product(rows[0]) if rows else None,
        "selected": _price_product(selected),
    }


def _link_product(rep: Obj) -> Obj | None:
    rows = [p for p in PRODUCTS if p["id"] == rep["id"] and ("pid" not in rep or p["pid"] == rep["pid"])]
    return _plain(rows[0]) if rows else None


SUBGRAPHS = {
    "products": Subgraph(
        query={"topProducts": lambda _info: {"products": [_products_product(p) for p in PRODUCTS]}},
        entities={
            "ProductList": _products_list,
            "Product": lambda rep: _products_product(next((p for p in PRODUCTS if p["id"] == rep["id"]), None)),
            "Category": lambda rep: _products_category(_category_row(rep["id"])),
        },
    ),
    "link": Subgraph(entities={"Product": _link_product}),
    "list": Subgraph(
        entities={
            "ProductList": _list_list,
            "Product": lambda rep: _plain(next(
                (p for p in PRODUCTS if (p["id"], p["pid"]) == (rep["id"], rep["pid"])), None)),
        },
    ),
    "price": Subgraph(
        entities={
            "ProductList": _price_list,
            "Product": lambda rep: _price_product(next((p for p in PRODUCTS if _price_matches(p, rep)), None)),
            "Category": lambda rep: (lambda c: None if c is None else {"id": c["id"], "tag": c["tag"]})(
                _category_row(rep["id"])),
        },
    ),
}
