"""GraphQL-over-HTTP: read a request into a `GraphQLRequest`, choose the response media type and status.

Follows the GraphQL-over-HTTP spec: `application/graphql-response+json` answers request errors
with 4xx; legacy `application/json` answers every well-formed request with 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from gateway.errors import BAD_REQUEST, RequestError
from gateway.pipeline import GraphQLRequest

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q))
    return ranges


def choose_media_type(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when we can offer nothing acceptable."""
    if not accept:
        return JSON  # no Accept: legacy clients expect application/json
    best: tuple[float, int, str] | None = None
    for order, (media, q) in enumerate(_media_ranges(accept)):
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = GRAPHQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        rank = (q, -order, candidate)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


def status_for(media_type: str, request_error: bool, status: int, malformed: bool = False) -> int:
    if status == 405 or malformed:
        return status  # a refused method or a malformed request, whatever the media type
    if media_type == GRAPHQL_RESPONSE:
        return status if request_error else 200
    return 200


def _bad(message: str) -> RequestError:
    return RequestError(message, BAD_REQUEST, 400)


def from_json_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise _bad(f"The request body is not valid JSON: {e}.") from None
    if isinstance(payload, list):
        raise _bad("Batched requests are not supported: send one GraphQL request object.")
    if not isinstance(payload, dict):
        raise _bad("The request body must be a JSON object with a `query`.")
    return _from_mapping(payload, variables_are_json_text=False)


def from_query_params(params: Mapping[str, str]) -> GraphQLRequest:
    return _from_mapping(dict(params), variables_are_json_text=True)


def _from_mapping(payload: dict[str, Any], variables_are_json_text: bool) -> GraphQLRequest:
    query = payload.get("query")
    extensions = payload.get("extensions")
    variables = payload.get("variables")
    operation_name = payload.get("operationName")
    if variables_are_json_text:
        variables = _json_param(variables, "variables")
        extensions = _json_param(extensions, "extensions")
    if query is not None and not isinstance(query, str):
        raise _bad("`query` must be a string.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad("`operationName` must be a string or null.")
    if operation_name == "":
        operation_name = None
    if variables is not None and not isinstance(variables, dict):
        raise _bad("`variables` must be an object or null.")
    if extensions is not None and not isinstance(extensions, dict):
        raise _bad("`extensions` must be an object or null.")
    document_id = payload.get("documentId")
    if document_id is not None and not isinstance(document_id, str):
        raise _bad("`documentId` must be a string.")
    if query is None and document_id is None and not (extensions and "persistedQuery" in extensions):
        raise _bad("The request has no query: send a GraphQL document in `query`.")
    return GraphQLRequest(query, operation_name, variables, extensions, document_id)


def _json_param(value: Any, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise _bad(f"The `{name}` parameter is not valid JSON.") from None
