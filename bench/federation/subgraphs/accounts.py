"""accounts: users by id, `me` (user 1) and the list of all users."""

from __future__ import annotations

from typing import Any

from .schema import Subgraph

SDL = """
extend type Query {
  me: User
  user(id: ID!): User
  users: [User]
}

type User @key(fields: "id") {
  id: ID!
  name: String
  username: String
  birthday: Int
}
"""


def subgraph(data: dict[str, Any]) -> Subgraph:
    users: list[dict[str, Any]] = data["users"]
    by_id = {user["id"]: user for user in users}
    return Subgraph(
        name="accounts",
        sdl=SDL,
        resolvers={
            "Query": {
                "me": lambda _root, _info: users[0],
                "user": lambda _root, _info, id: by_id.get(id),
                "users": lambda _root, _info: users,
            }
        },
        references={"User": lambda rep: by_id.get(rep.get("id"))},
    )
