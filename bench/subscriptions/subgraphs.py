"""The subscription benchmark's two subgraphs, in one aiohttp process on one port.

- `/ticks`: owns `Subscription.tick`, served over graphql-transport-ws: one tick every 1/rate s to
  every open subscription (`n` counts ticks, `sentAt` is the epoch time in ms when it was sent); each
  tick references a Project.
- `/projects`: resolves `Project.name` by key (`_entities`): the enrichment every event needs.

Executed with graphql-core; one execution per tick per distinct document, so the subgraph's own
cost stays flat whichever gateway fans out how.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from graphql import ExecutionResult, build_schema, execute, parse, validate

TICKS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Project @key(fields: "id", resolvable: false) { id: ID! }
type Tick { n: Int! sentAt: Float! project: Project! }
type Query { tickRate: Float! }
type Subscription { tick: Tick! }
"""
PROJECTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Project @key(fields: "id") { id: ID! name: String! }
type Query { projectCount: Int! }
"""
_FED = """
scalar _Any
type _Service { sdl: String! }
"""


def _executable(sdl: str, entities: bool) -> Any:
    body = sdl.split("\n", 2)[2].replace("@key(fields: \"id\", resolvable: false)", "").replace("@key(fields: \"id\")", "")
    extra = "union _Entity = Project\nextend type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }" if entities else "extend type Query { _service: _Service! }"
    return build_schema(body + _FED + extra)


TICKS = _executable(TICKS_SDL, False)
PROJECTS = _executable(PROJECTS_SDL, True)


class Ticker:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.n = 0
        # (document text, variables json) -> (document, variables, {(ws, id)})
        self.subscriptions: dict[tuple[str, bytes], tuple[Any, dict[str, Any], set[tuple[web.WebSocketResponse, str]]]] = {}

    async def run(self) -> None:
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while True:
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            self.n += 1
            tick = {"n": self.n, "sentAt": time.time() * 1000.0, "project": {"id": str(1 + self.n % 10)}}
            for document, variables, subscribers in list(self.subscriptions.values()):
                if not subscribers:
                    continue
                result = execute(TICKS, document, root_value={"tick": tick}, variable_values=variables)
                assert isinstance(result, ExecutionResult)  # synchronous resolvers
                payload = orjson.dumps({"data": result.data, **({"errors": [e.formatted for e in result.errors]} if result.errors else {})}).decode()
                for ws, op_id in list(subscribers):
                    if ws.closed:
                        subscribers.discard((ws, op_id))
                        continue
                    with contextlib.suppress(Exception):
                        await ws.send_str('{"id":' + orjson.dumps(op_id).decode() + ',"type":"next","payload":' + payload + "}")


async def ticks_ws(request: web.Request) -> web.StreamResponse:
    ticker: Ticker = request.app["ticker"]
    if request.headers.get("upgrade", "").lower() != "websocket":
        return await graphql_post(request, TICKS, TICKS_SDL)
    ws = web.WebSocketResponse(protocols=("graphql-transport-ws",), compress=False)
    await ws.prepare(request)
    mine: list[tuple[str, bytes, str]] = []
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            m = orjson.loads(msg.data)
            kind = m.get("type")
            if kind == "connection_init":
                await ws.send_str('{"type":"connection_ack"}')
            elif kind == "ping":
                await ws.send_str('{"type":"pong"}')
            elif kind == "subscribe":
                p = m["payload"]
                document = parse(p["query"])
                errors = validate(TICKS, document)
                if errors:
                    await ws.send_str(orjson.dumps({"id": m["id"], "type": "error", "payload": [e.formatted for e in errors]}).decode())
                    continue
                variables = p.get("variables") or {}
                key = (p["query"], orjson.dumps(variables, option=orjson.OPT_SORT_KEYS))
                entry = ticker.subscriptions.setdefault(key, (document, variables, set()))
                entry[2].add((ws, m["id"]))
                mine.append((*key, m["id"]))
            elif kind == "complete":
                for q, v, op_id in mine:
                    if op_id == m.get("id") and (q, v) in ticker.subscriptions:
                        ticker.subscriptions[(q, v)][2].discard((ws, op_id))
    finally:
        for q, v, op_id in mine:
            if (q, v) in ticker.subscriptions:
                ticker.subscriptions[(q, v)][2].discard((ws, op_id))
    return ws


def _entities(representations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"__typename": "Project", "id": r["id"], "name": f"Project {r['id']}"} for r in representations]


async def graphql_post(request: web.Request, schema: Any, sdl: str) -> web.Response:
    body = orjson.loads(await request.read())
    document = parse(body["query"])
    variables = body.get("variables") or {}
    root = {"_service": {"sdl": sdl}, "tickRate": request.app["ticker"].rate, "projectCount": 10}
    if "representations" in variables:
        root["_entities"] = _entities(variables["representations"])
    result = execute(schema, document, root_value=root, variable_values=variables, operation_name=body.get("operationName"))
    assert isinstance(result, ExecutionResult)  # synchronous resolvers
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    return web.Response(body=orjson.dumps(out), content_type="application/json")


async def projects(request: web.Request) -> web.Response:
    return await graphql_post(request, PROJECTS, PROJECTS_SDL)


def make_app(rate: float) -> web.Application:
    app = web.Application()
    app["ticker"] = Ticker(rate)
    app.router.add_route("*", "/ticks", ticks_ws)
    app.router.add_post("/projects", projects)

    async def ticking(app: web.Application) -> Any:
        task = asyncio.create_task(app["ticker"].run())
        yield
        task.cancel()

    app.cleanup_ctx.append(ticking)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=10.0, help="ticks per second")
    args = parser.parse_args()
    web.run_app(make_app(args.rate), host="127.0.0.1", port=args.port, print=lambda *_: print("ready", flush=True))


if __name__ == "__main__":
    main()
