"""null_keys: references that are null, and a reference whose (nullable) key field is null."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

NAMES = {"u1": "Ada", "u2": "Bob"}
POSTS = [
    {"title": "A", "editor": {"id": "u1"}, "reviewer": None, "watchers": [{"id": "u2"}, None]},
    {"title": "B", "editor": None, "reviewer": {"id": "u2"}, "watchers": []},
    {"title": "C", "editor": {"id": "u2"}, "reviewer": {"id": None}, "watchers": None},
]


def _person(rep: Obj) -> Obj | None:
    name = NAMES.get(rep.get("id"))  # type: ignore[arg-type]
    return None if name is None else {"id": rep["id"], "name": name}


SUBGRAPHS = {
    "posts": Subgraph(query={"posts": POSTS}),
    "people": Subgraph(entities={"User": _person}),
}
