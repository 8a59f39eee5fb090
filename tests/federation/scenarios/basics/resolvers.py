"""basics: a products subgraph and a reviews subgraph extending Product."""

from __future__ import annotations

from typing import Any

from harness.resolvers import Obj, Subgraph


def _product(pid: str, name: str, eur: float, category: str) -> Obj:
    def price(_info: Any, currency: str = "EUR") -> float:
        return eur * 2 if currency == "USD" else eur

    return {"id": pid, "name": name, "price": price, "category": category, "label": name.upper()}


PRODUCTS: dict[str, Obj] = {
    "p1": _product("p1", "Atlas", 12.5, "BOOKS"),
    "p2": _product("p2", "Chess", 30.0, "GAMES"),
    "p3": _product("p3", "Go", 25.0, "GAMES"),
}
REVIEWS: list[Obj] = [
    {"id": "r1", "body": "Great maps", "stars": 5, "product": {"id": "p1"}},
    {"id": "r2", "body": "Heavy", "stars": 3, "product": {"id": "p1"}},
    {"id": "r3", "body": "Classic", "stars": 4, "product": {"id": "p2"}},
]


def _products(_info: Any, first: int | None = 2, category: str | None = None) -> list[Obj]:
    rows = [p for p in PRODUCTS.values() if category is None or p["category"] == category]
    return rows if first is None else rows[:first]


def _reviews_of(pid: str) -> list[Obj]:
    return [r for r in REVIEWS if r["product"]["id"] == pid]


SUBGRAPHS = {
    "products": Subgraph(
        query={"product": lambda _info, id: PRODUCTS.get(id), "products": _products},
        entities={"Product": lambda rep: PRODUCTS.get(rep["id"])},
    ),
    "reviews": Subgraph(
        query={"topReviews": lambda _info, limit: REVIEWS[:limit]},
        entities={
            "Product": lambda rep: {"id": rep["id"], "reviews": _reviews_of(rep["id"])},
            "Review": lambda rep: next((r for r in REVIEWS if r["id"] == rep["id"]), None),
        },
    ),
}
