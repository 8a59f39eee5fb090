"""GraphQL error values and the codes the gateway gives them.

Request errors stop an operation before execution (parse, validation, variables, operation name):
the response then has no `data` key. Field errors happen during execution and sit beside `data`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError

from gateway.types import JSONObject, ResponsePath

# extensions.code values, named as Apollo Router names them so clients can share error handling.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"
OPERATION_NOT_FOUND = "OPERATION_NOT_FOUND"
SUBREQUEST_HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"
SUBREQUEST_TIMEOUT = "GATEWAY_TIMEOUT"
SUBREQUEST_MALFORMED_RESPONSE = "SUBREQUEST_MALFORMED_RESPONSE"
INVALID_RESPONSE_VALUE = "INVALID_RESPONSE_VALUE"
QUERY_PLANNING_FAILED = "QUERY_PLANNING_FAILED"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
UNAUTHENTICATED = "UNAUTHENTICATED"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
CSRF_BLOCKED = "CSRF_BLOCKED"
COST_ESTIMATED_TOO_EXPENSIVE = "COST_ESTIMATED_TOO_EXPENSIVE"
COST_QUERY_PARSE_FAILURE = "COST_QUERY_PARSE_FAILURE"  # Apollo Router's code: the operation cannot be sized

# A request's outcome, as /metrics counts it (like HTTP's 2xx / 4xx / 5xx): the operation ran and
# answered everything (success), or answered with errors beside data (partial: a subgraph failed);
# the gateway failed to give data (error: planning, every fetch, or a bug), or would not run the
# request as sent (refused: invalid or malformed, over a limit, unauthenticated, not allowed). Error
# rate objectives count partial and error over the requests not refused.
SUCCESS = "success"
PARTIAL = "partial"
FAILED = "error"
REFUSED = "refused"
OUTCOMES = (SUCCESS, PARTIAL, FAILED, REFUSED)


def error(
    message: str, code: str | None = None, path: ResponsePath | None = None, **extensions: Any
) -> JSONObject:
    e: JSONObject = {"message": message}
    if path is not None:
        e["path"] = path
    ext = dict(extensions)
    if code is not None:
        ext["code"] = code
    if ext:
        e["extensions"] = ext
    return e


def from_graphql_error(err: GraphQLError, code: str) -> JSONObject:
    e: JSONObject = {"message": err.message}
    if err.locations:
        e["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    e["extensions"] = {**(err.extensions or {}), "code": code}
    return e


class RequestError(Exception):
    """The request cannot execute. `status` is the GraphQL-over-HTTP status for the
    application/graphql-response+json media type."""

    def __init__(self, message: str, code: str = BAD_REQUEST, status: int = 400, malformed: bool = False) -> None:
        super().__init__(message)
        self.errors: list[JSONObject] = [error(message, code)]
        self.status = status
        # A malformed HTTP request (not a GraphQL error): its status holds for every media type.
        self.malformed = malformed

    @classmethod
    def from_errors(
        cls, errors: Iterable[GraphQLError], code: str = BAD_USER_INPUT, status: int = 400
    ) -> RequestError:
        inst = cls.__new__(cls)
        Exception.__init__(inst, "request error")
        inst.errors = [from_graphql_error(e, code) for e in errors]
        inst.status = status
        inst.malformed = False
        return inst
