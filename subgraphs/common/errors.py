"""GraphQL errors with `extensions.code`, the only way bad input leaves a subgraph."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
BAD_CONSISTENCY_TOKEN = "BAD_CONSISTENCY_TOKEN"


def user_error(message: str, code: str = BAD_USER_INPUT, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})


class InputErrors:
    """Collects every violation of one input, so the client learns all of them at once."""

    def __init__(self) -> None:
        self.problems: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append({"field": field, "message": message})

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            summary = "; ".join(f"{p['field']}: {p['message']}" for p in self.problems)
            raise user_error(f"invalid {what}: {summary}", BAD_USER_INPUT, fields=self.problems)
