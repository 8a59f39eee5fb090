"""Span names and attributes, after the OpenTelemetry semantic conventions.

GraphQL server spans: name `{graphql.operation.type} {graphql.operation.name}`, attributes
`graphql.operation.type`, `graphql.operation.name`, and `graphql.document.hash` (the document's
digest, charter's own: the full text can be large and can carry literals a client considers
private). HTTP spans: `http.request.method`, `url.*`, `server.*`, `http.response.status_code`,
`error.type` (for 5xx on a server span, any failure on a client span). The gateway's own stages
(validate, plan, fetch, flatten) are INTERNAL spans with `charter.*` attributes.
"""

from __future__ import annotations

from opentelemetry.trace import Span, Status, StatusCode

OPERATION_TYPE = "graphql.operation.type"
OPERATION_NAME = "graphql.operation.name"
DOCUMENT_HASH = "graphql.document.hash"

HTTP_METHOD = "http.request.method"
HTTP_ROUTE = "http.route"
HTTP_STATUS = "http.response.status_code"
URL_PATH = "url.path"
URL_SCHEME = "url.scheme"
URL_FULL = "url.full"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"
CLIENT_ADDRESS = "client.address"
PROTOCOL_VERSION = "network.protocol.version"
ERROR_TYPE = "error.type"

SUBGRAPH = "charter.subgraph.name"
FETCH_KIND = "charter.fetch.kind"  # "root" or "entity"
FLATTEN_PATH = "charter.flatten.path"
PLAN_CACHE = "charter.plan.cache"  # "hit" or "miss"
DOCUMENT_CACHE = "charter.document.cache"  # "hit" or "miss"
REQUEST_ID = "charter.request.id"


def name_operation(span: Span, operation_type: str, operation_name: str | None, document_hash: str) -> None:
    """The request span, once its operation is known."""
    span.update_name(f"{operation_type} {operation_name}" if operation_name else operation_type)
    span.set_attribute(OPERATION_TYPE, operation_type)
    if operation_name:
        span.set_attribute(OPERATION_NAME, operation_name)
    span.set_attribute(DOCUMENT_HASH, document_hash)


def failed(span: Span, kind: str, description: str | None = None) -> None:
    span.set_attribute(ERROR_TYPE, kind)
    span.set_status(Status(StatusCode.ERROR, description))
