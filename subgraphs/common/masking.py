"""Unexpected failures (a database down, a bug) reach clients as a plain INTERNAL_SERVER_ERROR,
never as driver messages or SQL; errors we raise on purpose (bad input) pass unchanged."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from subgraphs.db.availability import DATABASE_UNAVAILABLE, is_unavailable

INTERNAL = "INTERNAL_SERVER_ERROR"


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(
            should_mask_error=_unexpected,
            error_message="internal error: this field could not be resolved (see the subgraph's log)",
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_unavailable(error.original_error):
            # The gateway reads this code as "this instance cannot serve now" and asks another region.
            masked = GraphQLError(
                "the database is unavailable: this field could not be resolved",
                nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            )
            masked.extensions = {"code": DATABASE_UNAVAILABLE}
            return masked
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL}
        return masked
