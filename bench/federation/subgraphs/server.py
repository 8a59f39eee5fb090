"""One ASGI app serving the four subgraphs at /accounts, /inventory, /products and /reviews.

The subgraphs share two cores with the gateway and the load generator, so they must cost next to
nothing: each answer is memoised whole, by path and request body. A miss runs graphql-core (all
resolvers are synchronous, so `graphql_sync`); a hit sends the cached bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from graphql import GraphQLSchema, graphql_sync

from ..workload import Workload
from . import accounts, inventory, products, reviews
from .schema import build_subgraph_schema

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SUBGRAPH_MODULES = (accounts, inventory, products, reviews)
JSON_HEADERS = [(b"content-type", b"application/json")]


def build_schemas(data: dict[str, Any]) -> dict[str, GraphQLSchema]:
    """Executable schema of each subgraph, keyed by its URL path."""
    schemas: dict[str, GraphQLSchema] = {}
    for module in SUBGRAPH_MODULES:
        subgraph = module.subgraph(data)
        schemas[f"/{subgraph.name}"] = build_subgraph_schema(subgraph)
    return schemas


def _error_body(message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message}]})


def execute_request(schema: GraphQLSchema, body: bytes) -> tuple[int, bytes]:
    """Run one GraphQL-over-HTTP POST body; (status, JSON bytes). Bad input gets a GraphQL error."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 400, _error_body("request body is not valid JSON")
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return 400, _error_body("request body must be a JSON object with a string 'query'")
    variables = request.get("variables")
    operation_name = request.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        return 400, _error_body("'variables' must be a JSON object")
    if operation_name is not None and not isinstance(operation_name, str):
        return 400, _error_body("'operationName' must be a string")
    result = graphql_sync(
        schema, request["query"], variable_values=variables, operation_name=operation_name
    )
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    if result.data is not None or not result.errors:
        response["data"] = result.data
    return 200, orjson.dumps(response)


class SubgraphsApp:
    """Raw ASGI (no framework: the fewer Python calls per request, the less CPU taken from the
    gateway being measured)."""

    def __init__(self, schemas: Mapping[str, GraphQLSchema], max_cached: int = 4096) -> None:
        self.schemas = dict(schemas)
        self.max_cached = max_cached
        self.cache: dict[tuple[str, bytes], bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"].rstrip("/") or "/"
        if scope["method"] == "GET" and path in ("/", "/health"):
            await _respond(send, 200, b'{"status":"ok"}')
            return
        schema = self.schemas.get(path)
        if schema is None:
            await _respond(send, 404, _error_body(f"no subgraph at {path}"))
            return
        if scope["method"] != "POST":
            await _respond(send, 405, _error_body("send GraphQL requests as POST"))
            return
        body = await _read_body(receive)
        key = (path, body)
        cached = self.cache.get(key)
        if cached is not None:
            await _respond(send, 200, cached)
            return
        status, payload = execute_request(schema, body)
        if status == 200:
            if len(self.cache) >= self.max_cached:
                self.cache.clear()  # arbitrary queries must not grow memory without bound
            self.cache[key] = payload
        await _respond(send, status, payload)


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    chunks = [body]
    while message.get("more_body"):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def _respond(send: Send, status: int, payload: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def create_app(workload: Workload | None = None) -> SubgraphsApp:
    return SubgraphsApp(build_schemas((workload or Workload.locate()).data))
