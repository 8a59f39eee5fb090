"""requires-requires: d's canAfford requires c's isExpensive, which itself requires a's
(inaccessible) price: a chain of requirements, each computed only from what the representation
carries. A field whose requirement is missing stays unset, so a non-null error shows the gap."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS: list[Obj] = [{"id": "p1", "price": 699.99, "hasDiscount": True}]


def _row(rep: Obj) -> Obj | None:
    return next((p for p in PRODUCTS if p["id"] == rep["id"]), None)


def _c(rep: Obj) -> Obj | None:
    if _row(rep) is None:
        return None
    out: Obj = {"id": rep["id"]}
    if "price" in rep:
        out |= {"price": rep["price"], "isExpensive": rep["price"] > 500}
    if "hasDiscount" in rep:
        out |= {"hasDiscount": rep["hasDiscount"], "isExpensiveWithDiscount": not rep["hasDiscount"]}
    return out


def _d(rep: Obj) -> Obj | None:
    if _row(rep) is None:
        return None
    out: Obj = {"id": rep["id"]}
    if "isExpensive" in rep:
        out |= {"isExpensive": rep["isExpensive"], "canAfford": not rep["isExpensive"]}
    if "isExpensiveWithDiscount" in rep:
        out |= {"isExpensiveWithDiscount": rep["isExpensiveWithDiscount"],
                "canAffordWithDiscount": not rep["isExpensiveWithDiscount"]}
    return out


SUBGRAPHS = {
    "a": Subgraph(entities={"Product": lambda rep: (lambda r: None if r is None else {
        "id": r["id"], "price": r["price"]})(_row(rep))}),
    "b": Subgraph(
        query={"product": lambda _info: {"id": "p1", "hasDiscount": PRODUCTS[0]["hasDiscount"]}},
        entities={"Product": lambda rep: (lambda r: None if r is None else {
            "id": r["id"], "hasDiscount": r["hasDiscount"]})(_row(rep))},
    ),
    "c": Subgraph(entities={"Product": _c}),
    "d": Subgraph(entities={"Product": _d}),
}
