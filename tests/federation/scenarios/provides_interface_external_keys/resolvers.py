"""provides_interface_external_keys: feed's Query.latest returns the interface Media and
@provides its id and title, which feed otherwise only declares @external (even the key id). The
keys are there because latest provides them: no cycle of "fetch the key to fetch the key"."""

from __future__ import annotations

from harness.resolvers import Subgraph, lookup

POSTS = {"p1": {"id": "p1", "title": "Hello", "body": "First post"}}
VIDEOS = {"v1": {"id": "v1", "title": "Intro", "seconds": 42}}

SUBGRAPHS = {
    "content": Subgraph(entities={"Post": lookup(POSTS, "id"), "Video": lookup(VIDEOS, "id")}),
    "feed": Subgraph(
        query={
            "latest": [
                {"__typename": "Video", "id": "v1", "title": "Intro"},
                {"__typename": "Post", "id": "p1", "title": "Hello"},
            ]
        }
    ),
}
