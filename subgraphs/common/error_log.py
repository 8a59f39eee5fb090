"""How a subgraph logs a request's GraphQL errors (replacing Strawberry's default, which logs
each with its traceback): a caller's mistake (bad input, validation) is one short warning line;
only an unexpected failure (a bug, the database) is an error with its traceback."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

log = logging.getLogger("charter.subgraph.errors")


def log_errors(errors: list[GraphQLError], execution_context: Any = None) -> None:
    operation = getattr(execution_context, "operation_name", None) or "-"
    for err in errors:
        original = err.original_error
        if original is None or isinstance(original, GraphQLError):
            code = (err.extensions or {}).get("code", "GRAPHQL_ERROR")
            path = ".".join(str(p) for p in err.path) if err.path else "-"
            log.warning("user error in %s at %s: %s (%s)", operation, path, err.message, code)
        else:
            log.error("unexpected error in %s: %s", operation, err.message, exc_info=original)
