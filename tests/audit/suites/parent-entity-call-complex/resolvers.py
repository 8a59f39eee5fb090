"""parent-entity-call-complex: Product.category is shared by a (which knows only its `details`, a
value type there) and b (which knows its `id`, an entity key), and Category.name lives in c: the
gateway must fetch details through the parent Product from a, and the id from b to reach c.
(The audit's b and d subgraphs are not in the stored copy of the repository: they are written
from the notes in its query plan.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

PRODUCTS = {"1": {"id": "1", "name": "Product#1", "category": "3"}}


def _b_product(rep: Obj) -> Obj | None:
    row = PRODUCTS.get(rep["id"])
    return None if row is None else {"id": row["id"], "category": {"id": row["category"]}}


SUBGRAPHS = {
    "a": Subgraph(entities={"Product": lambda rep: {
        "id": rep["id"], "category": {"details": f"Details for Product#{rep['id']}"}}}),
    "b": Subgraph(entities={"Product": _b_product, "Category": lambda rep: {"id": rep["id"]}}),
    "c": Subgraph(entities={"Category": lambda rep: {"id": rep["id"], "name": f"Category#{rep['id']}"}}),
    "d": Subgraph(
        query={"productFromD": lambda _info, id=None: (lambda r: None if r is None else {
            "id": r["id"], "name": r["name"]})(PRODUCTS.get(id))},
        entities={"Product": lambda rep: (lambda r: None if r is None else {
            "id": r["id"], "name": r["name"]})(PRODUCTS.get(rep["id"]))},
    ),
}
