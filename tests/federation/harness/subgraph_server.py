"""One HTTP server hosting every subgraph of every scenario at `/<scenario>/<subgraph>`.

Each subgraph is a real federation subgraph (validated queries, `_service`, `_entities`) executed by
graphql-core over the scenario's dict data. Every request is recorded so tests can assert how many
fetches a plan made and what they carried: `GET /_requests`, `POST /_requests/reset` (which also
calls each scenario's `reset()` so mutation state starts fresh).

Run: python tests/federation/harness/subgraph_server.py --port N
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if __package__ in (None, ""):  # run as a script: make `harness` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import resolvers as behaviours
from harness.federation_schema import build_subgraph_schema
from harness.resolvers import Obj, Subgraph
from harness.scenarios import resolver_module, scenario_names, subgraph_sdls


@dataclass
class HostedSubgraph:
    scenario: str
    name: str
    sdl: str
    schema: GraphQLSchema
    spec: Subgraph

    def root_value(self, operation: OperationType) -> dict[str, Any]:
        if operation is OperationType.MUTATION:
            return dict(self.spec.mutation)
        root = dict(self.spec.query)
        root["_service"] = {"sdl": self.sdl}
        root["_entities"] = self._entities
        return root

    def _entities(self, _info: Any, representations: list[Obj]) -> list[Obj | None]:
        found: list[Obj | None] = []
        for rep in representations:
            typename = rep.get("__typename")
            resolve = self.spec.entities.get(typename) if isinstance(typename, str) else None
            if resolve is None:
                raise GraphQLError(f"subgraph {self.name} cannot resolve entity {typename!r}")
            entity = resolve(rep)
            found.append(None if entity is None else {"__typename": typename, **entity})
        return found


def load_subgraphs() -> dict[tuple[str, str], HostedSubgraph]:
    hosted: dict[tuple[str, str], HostedSubgraph] = {}
    for scenario in scenario_names():
        specs: dict[str, Subgraph] = resolver_module(scenario).SUBGRAPHS
        for name, sdl in subgraph_sdls(scenario).items():
            hosted[(scenario, name)] = HostedSubgraph(
                scenario, name, sdl, build_subgraph_schema(sdl), specs.get(name, Subgraph())
            )
    return hosted


class Recorder:
    """Every request received, in arrival order, with when it started and finished."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def start(self, scenario: str, subgraph: str, body: Any) -> dict[str, Any]:
        entry = {
            "scenario": scenario,
            "subgraph": subgraph,
            "query": body.get("query") if isinstance(body, dict) else None,
            "variables": body.get("variables") if isinstance(body, dict) else None,
            "operationName": body.get("operationName") if isinstance(body, dict) else None,
            "started": time.monotonic(),
            "finished": None,
        }
        self.requests.append(entry)
        return entry


async def run_graphql(hosted: HostedSubgraph, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "request body must be a JSON object with a query"}]}
    try:
        document = parse(body["query"])
    except GraphQLError as error:
        return {"errors": [error.formatted]}
    validation_errors = validate(hosted.schema, document)
    if validation_errors:
        return {"errors": [e.formatted for e in validation_errors]}
    operation = get_operation_ast(document, body.get("operationName"))
    if not isinstance(operation, OperationDefinitionNode):
        return {"errors": [{"message": "unknown or ambiguous operation"}]}
    result = execute(
        hosted.schema,
        document,
        root_value=hosted.root_value(operation.operation),
        variable_values=body.get("variables"),
        operation_name=body.get("operationName"),
    )
    if not isinstance(result, ExecutionResult):
        result = await result
    return result.formatted


def sloppy(value: Any) -> Any:
    """The same answer as a careless server might send it: keys in reverse order, plus one more."""
    if isinstance(value, list):
        return [sloppy(v) for v in value]
    if isinstance(value, dict):
        reordered = {k: sloppy(value[k]) for k in reversed(value)}
        return {**reordered, "leaked": "not requested"} if "errors" not in value else reordered
    return value


def build_app(
    hosted: dict[tuple[str, str], HostedSubgraph],
    respond: Callable[[HostedSubgraph, Any], Awaitable[Response]],
    reset: Callable[[], None],
) -> Starlette:
    """The server around a set of hosted subgraphs: `POST /<scenario>/<subgraph>` answered by
    `respond`, every request recorded (`GET /_requests`), `POST /_requests/reset` clearing the
    record and calling `reset` (mutation state), `GET /_health`. Shared by every corpus we host."""
    recorder = Recorder()

    async def subgraph_endpoint(request: Request) -> Response:
        key = (request.path_params["scenario"], request.path_params["subgraph"])
        target = hosted.get(key)
        if target is None:
            return JSONResponse({"errors": [{"message": f"no subgraph {key}"}]}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        entry = recorder.start(*key, body)
        try:
            return await respond(target, body)
        finally:
            entry["finished"] = time.monotonic()

    async def list_requests(_request: Request) -> Response:
        return JSONResponse(recorder.requests)

    async def reset_requests(_request: Request) -> Response:
        recorder.requests.clear()
        reset()
        return JSONResponse({"ok": True})

    async def health(_request: Request) -> Response:
        return JSONResponse({"subgraphs": len(hosted)})

    return Starlette(
        routes=[
            Route("/_health", health, methods=["GET"]),
            Route("/_requests", list_requests, methods=["GET"]),
            Route("/_requests/reset", reset_requests, methods=["POST"]),
            Route("/{scenario}/{subgraph}", subgraph_endpoint, methods=["POST"]),
        ]
    )


async def respond_by_behaviour(target: HostedSubgraph, body: Any) -> Response:
    """Answer as the scenario's subgraph is meant to: correctly, or broken in its chosen way."""
    behaviour = target.spec.behaviour
    if behaviour == behaviours.NON_JSON:
        return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", media_type="text/html")
    if behaviour == behaviours.WRONG_SHAPE:
        return JSONResponse(["this", "is", "not", "a", "GraphQL", "response"])
    if behaviour == behaviours.HTTP_500:
        return JSONResponse({"message": "internal failure"}, status_code=500)
    if behaviour == behaviours.ERRORS_ONLY:
        error = {"message": "subgraph exploded", "extensions": {"code": "EXPLODED"}}
        return JSONResponse({"data": None, "errors": [error]})
    if behaviour == behaviours.SLOW:
        await asyncio.sleep(target.spec.delay)
    result = await run_graphql(target, body)
    if behaviour == behaviours.SLOPPY:
        result = sloppy(result)
    entities = (result.get("data") or {}).get("_entities")
    if behaviour == behaviours.SHORT_ENTITIES and isinstance(entities, list):
        del entities[-1:]
    return JSONResponse(result)


def reset_scenarios() -> None:
    for scenario in scenario_names():
        reset = getattr(resolver_module(scenario), "reset", None)
        if reset is not None:
            reset()


def create_app() -> Starlette:
    return build_app(load_subgraphs(), respond_by_behaviour, reset_scenarios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
