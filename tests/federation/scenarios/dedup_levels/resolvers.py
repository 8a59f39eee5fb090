"""dedup_levels: the same references repeat at every level (orders -> customer -> company, and
order lines -> product). Each level must be one _entities request per subgraph with duplicates
removed."""

from __future__ import annotations

from harness.resolvers import Subgraph

ORDERS = [
    {"id": "o1", "customer": {"id": "u1"}, "lines": [
        {"qty": 1, "product": {"upc": "A"}}, {"qty": 2, "product": {"upc": "B"}}]},
    {"id": "o2", "customer": {"id": "u2"}, "lines": [{"qty": 3, "product": {"upc": "A"}}]},
    {"id": "o3", "customer": {"id": "u1"}, "lines": [
        {"qty": 4, "product": {"upc": "B"}}, {"qty": 5, "product": {"upc": "A"}}]},
]
USERS = {"u1": {"id": "u1", "name": "Ada", "company": {"id": "c1"}}, "u2": {"id": "u2", "name": "Bob", "company": {"id": "c1"}}}
COMPANIES = {"c1": {"id": "c1", "name": "Acme"}}
PRODUCTS = {"A": {"upc": "A", "title": "Apple"}, "B": {"upc": "B", "title": "Banana"}}

SUBGRAPHS = {
    "orders": Subgraph(query={"orders": ORDERS}),
    "users": Subgraph(entities={"User": lambda rep: USERS.get(rep["id"])}),
    "companies": Subgraph(
        entities={
            "Company": lambda rep: COMPANIES.get(rep["id"]),
            "Product": lambda rep: PRODUCTS.get(rep["upc"]),
        }
    ),
}
