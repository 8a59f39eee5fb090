"""provides_abstract: @provides through an interface-typed and a union-typed field."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

POSTS = {"a1": {"id": "a1", "title": "Spring", "body": "Flowers"}}
VIDEOS = {"v1": {"id": "v1", "title": "Storm", "seconds": 90}, "v2": {"id": "v2", "title": "Calm", "seconds": 30}}
ITEMS = [
    {"__typename": "Post", "id": "a1", "title": "Spring"},
    {"__typename": "Video", "id": "v1", "title": "Storm"},
    {"__typename": "Video", "id": "v2", "title": "Calm"},
]
# highlights provides Post.title only: Video titles are not sent (feed would not know them).
HIGHLIGHTS = [
    {"__typename": "Video", "id": "v2"},
    {"__typename": "Post", "id": "a1", "title": "Spring"},
]

SUBGRAPHS = {
    "feed": Subgraph(query={"latest": ITEMS, "highlights": HIGHLIGHTS}),
    "content": Subgraph(entities={"Post": lookup(POSTS, "id"), "Video": lookup(VIDEOS, "id")}),
}
