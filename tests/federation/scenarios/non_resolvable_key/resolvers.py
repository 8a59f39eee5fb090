"""non_resolvable_key: reviews references User by id but cannot resolve User entities."""

from __future__ import annotations

from harness.resolvers import Subgraph

USERS = {"u1": {"id": "u1", "name": "Ada"}, "u2": {"id": "u2", "name": "Bob"}}

SUBGRAPHS = {
    "reviews": Subgraph(
        query={"reviews": [
            {"body": "Fine", "author": {"id": "u2"}},
            {"body": "Great", "author": {"id": "u1"}},
            {"body": "Meh", "author": {"id": "u2"}},
        ]}
    ),
    "accounts": Subgraph(
        query={"me": USERS["u1"]}, entities={"User": lambda rep: USERS.get(rep["id"])}
    ),
}
