"""Walk a query plan: run its fetches (Sequence in order, Parallel concurrently), merge the results.

Each Fetch becomes one HTTP request. An entity fetch gathers every object at its Flatten path,
sends the unique representations in one `_entities` request, and merges each result back into the
objects it came from. Subgraph errors keep their message and extensions; their paths are rewritten
to the client's. A failed fetch costs only the fields it would have brought.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import orjson

from gateway.cache.analyze import FetchCachePlan
from gateway.cache.entity import EntityCache
from gateway.errors import SUBREQUEST_MALFORMED_RESPONSE, error
from gateway.executor import cached, representations
from gateway.executor.merge import merge
from gateway.plan.nodes import Fetch, Flatten, Parallel, PlanNode, Sequence
from gateway.telemetry import setup as telemetry
from gateway.telemetry import stages
from gateway.transport.errors import SubgraphError
from gateway.transport.meta import FetchMeta, highest_token
from gateway.types import Transport


class ExecutionContext:
    __slots__ = (
        "at_least",
        "cache",
        "cache_plans",
        "cache_scope",
        "data",
        "errored",
        "errors",
        "extensions",
        "headers",
        "meta",
        "placeholders",
        "tracer",
        "transport",
        "unevicted",
        "urls",
        "variables",
    )

    def __init__(
        self,
        transport: Transport,
        urls: Mapping[str, str],
        variables: dict[str, Any],
        headers: Mapping[str, str],
        placeholders: frozenset[str],
        meta: FetchMeta | None = None,
    ) -> None:
        self.transport = transport
        self.urls = urls
        self.variables = variables
        self.headers = headers
        self.placeholders = placeholders
        self.data: dict[str, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self.errored: set[tuple[str | int, ...]] = set()
        self.extensions: dict[str, Any] = {}
        self.meta = meta
        # The entity cache, when on: the plan's precomputed per-fetch cache plans (by id of the
        # Fetch), the caller's credential scope, and the consistency token entries must reflect.
        self.cache: EntityCache | None = None
        self.cache_plans: Mapping[int, FetchCachePlan] = {}
        self.cache_scope: str | None = None
        self.at_least: int | None = None  # the client's consistency token: older entries are misses
        self.unevicted = False  # a mutation fetch whose evictions did not all run (no token vouched)
        self.tracer = telemetry.tracer()  # None unless tracing was set up at start


async def execute(node: PlanNode | None, ctx: ExecutionContext) -> None:
    if node is None:
        return
    if isinstance(node, Sequence):
        for child in node.nodes:
            await execute(child, ctx)
    elif isinstance(node, Parallel):
        await asyncio.gather(*(execute(child, ctx) for child in node.nodes))
    elif isinstance(node, Flatten):
        if ctx.tracer is None:
            await _entity_fetch(node, ctx)
        else:
            await stages.flatten(ctx.tracer, node.node.service, node.path, _entity_fetch(node, ctx))
    elif isinstance(node, Fetch):
        if ctx.tracer is None:
            await _root_fetch(node, ctx)
        else:
            await stages.fetch(ctx.tracer, node.service, _root_fetch(node, ctx))
    else:  # a Subscription: the hub runs those, never this executor
        raise TypeError(f"cannot execute a {type(node).__name__} node here")


def _variables_json(fetch: Fetch, ctx: ExecutionContext) -> bytes:
    used = {v: ctx.variables[v] for v in fetch.variable_usages if v in ctx.variables}
    return orjson.dumps(used)[1:-1] if used else b""


def _body(fetch: Fetch, variables: bytes, representations_json: bytes | None = None) -> bytes:
    parts = [b'{"query":', orjson.dumps(fetch.operation)]
    if fetch.operation_name:
        parts += [b',"operationName":', orjson.dumps(fetch.operation_name)]
    parts.append(b',"variables":{')
    if representations_json is not None:
        parts += [b'"representations":', representations_json]
        if variables:
            parts.append(b",")
    parts += [variables, b"}}"]
    return b"".join(parts)


async def _send(fetch: Fetch, body: bytes, ctx: ExecutionContext) -> dict[str, Any] | None:
    try:
        return await ctx.transport.post(
            fetch.service,
            ctx.urls[fetch.graph],
            body,
            ctx.headers,
            dedupe=fetch.operation_kind == "query",
            meta=ctx.meta,
        )
    except SubgraphError as e:
        ctx.errors.append(e.to_error())
        return None


def _extensions(response: dict[str, Any], ctx: ExecutionContext) -> None:
    ext = response.get("extensions")
    if isinstance(ext, dict):
        for k, v in ext.items():
            if k == cached.READ_POSITION:
                continue  # for the gateway's cache stamps, not the client
            if k == "consistencyToken" and isinstance(v, str):
                # One token must cover every write of the operation: keep the highest position.
                previous = ctx.extensions.get(k)
                ctx.extensions[k] = highest_token(previous if isinstance(previous, str) else None, v)
            else:
                ctx.extensions.setdefault(k, v)


async def _root_fetch(fetch: Fetch, ctx: ExecutionContext) -> None:
    variables = _variables_json(fetch, ctx)
    plan = ctx.cache_plans.get(id(fetch)) if ctx.cache is not None else None
    key = None
    response = None
    if plan is not None and plan.ttl is not None and ctx.cache is not None:
        key = cached.root_key(plan, variables, ctx.cache_scope)
        response = await cached.root_lookup(ctx.cache, key, ctx.at_least)
    if response is None:
        started = time.monotonic()
        response = await _send(fetch, _body(fetch, variables), ctx)
        if response is None:
            ctx.errored.add(())
            return
        _extensions(response, ctx)
        data = response.get("data")
        if fetch.renames and isinstance(data, dict):
            _restore_keys(data, fetch.renames)
        if plan is not None and ctx.cache is not None:
            if key is not None:
                cached.root_fill(ctx.cache, plan, key, response, started)
            elif plan.kind == "mutation" and not await cached.after_mutation(
                ctx.cache, plan, response, data, ctx.variables
            ):
                ctx.unevicted = True
        elif fetch.operation_kind == "mutation":
            ctx.unevicted = True  # no cache plan for it: nothing says what it made stale
    data = response.get("data")
    if isinstance(data, dict):
        merge(ctx.data, data, ctx.placeholders)
    elif data is not None:
        ctx.errors.append(_malformed(fetch, "data is not an object"))
    for e in response.get("errors") or ():
        if isinstance(e, dict):
            ctx.errors.append(_with_service(e, fetch))
            p = e.get("path")
            if isinstance(p, list):
                ctx.errored.add(tuple(p))
            elif data is None:
                # A request error (bad input, validation): it explains every null this fetch
                # leaves, so no "Cannot return null" follows it.
                ctx.errored.add(())


async def _entity_fetch(flatten: Flatten, ctx: ExecutionContext) -> None:
    fetch = flatten.node
    objects = representations.collect(ctx.data, flatten.path)
    if not objects:
        return
    encoded, targets = representations.build(objects, fetch.requires or ())
    if not encoded:
        return
    plan = ctx.cache_plans.get(id(fetch)) if ctx.cache is not None else None
    misses = None
    if plan is not None and plan.types and ctx.cache is not None:
        misses = await cached.entity_lookup(
            ctx.cache, plan, encoded, targets, ctx.cache_scope, ctx.at_least, ctx.placeholders
        )
        encoded, targets = misses.encoded, misses.targets
        if not encoded:
            return
    reps_json = b"[" + b",".join(encoded) + b"]"
    started = time.monotonic()
    response = await _send(fetch, _body(fetch, _variables_json(fetch, ctx), reps_json), ctx)
    if response is None:
        _mark_errored(flatten, targets, ctx)
        return
    _extensions(response, ctx)
    data = response.get("data")
    entities = data.get("_entities") if isinstance(data, dict) else None
    errors = [e for e in response.get("errors") or () if isinstance(e, dict)]
    if entities is not None and (not isinstance(entities, list) or len(entities) != len(encoded)):
        ctx.errors.append(
            _malformed(fetch, f"_entities returned {_count(entities)} results for {len(encoded)} representations")
        )
        _mark_errored(flatten, targets, ctx)
        return
    if entities is not None:
        if fetch.renames:
            _restore_entity_keys(entities, targets, fetch.renames)
        if misses is not None and ctx.cache is not None:
            cached.entity_fill(ctx.cache, misses, entities, errors, cached.read_position(response), started)
        placeholders = ctx.placeholders
        for i, entity in enumerate(entities):
            if isinstance(entity, dict):
                for obj in targets[i]:
                    merge(obj, entity, placeholders)
    if errors:
        _entity_errors(flatten, errors, targets, ctx)
    elif entities is None:
        ctx.errors.append(_malformed(fetch, "no data"))
        _mark_errored(flatten, targets, ctx)


def _restore_keys(value: Any, renames: tuple[tuple[tuple[str, ...], str, str], ...]) -> None:
    """Move values the subgraph answered under gateway aliases back to the client's keys."""
    for path, alias, key in renames:
        _restore(value, path, 0, alias, key)


def _restore_entity_keys(
    entities: list[Any], targets: list[list[dict[str, Any]]],
    renames: tuple[tuple[tuple[str, ...], str, str], ...],
) -> None:
    """`_restore_keys` for `_entities` results, where a rename may hold only for one runtime type
    (its path starts with `<Type>`): the entity's real type is that of the object it was sent for."""
    plain = tuple(r for r in renames if not (r[0] and r[0][0].startswith("<")))
    if plain:
        _restore_keys(entities, plain)
    for path, alias, key in renames:
        if not path or not path[0].startswith("<"):
            continue
        runtime = path[0][1:-1]
        for entity, objects in zip(entities, targets, strict=False):
            if objects and objects[0].get("__typename") == runtime:
                _restore(entity, path[1:], 0, alias, key)


def _restore(value: Any, path: tuple[str, ...], i: int, alias: str, key: str) -> None:
    if isinstance(value, list):
        for item in value:
            _restore(item, path, i, alias, key)
    elif isinstance(value, dict):
        if i == len(path):
            if alias in value:
                value[key] = value.pop(alias)
        else:
            _restore(value.get(path[i]), path, i + 1, alias, key)


def _count(value: Any) -> str:
    return str(len(value)) if isinstance(value, list) else "no list of"


def _paths_of(flatten: Flatten, targets: list[list[dict[str, Any]]], ctx: ExecutionContext) -> dict[int, list[str | int]]:
    wanted = {id(o) for group in targets for o in group}
    return {
        id(obj): path
        for obj, path in representations.collect_with_paths(ctx.data, flatten.path)
        if id(obj) in wanted
    }


def _mark_errored(flatten: Flatten, targets: list[list[dict[str, Any]]], ctx: ExecutionContext) -> None:
    for path in _paths_of(flatten, targets, ctx).values():
        ctx.errored.add(tuple(path))


def _entity_errors(
    flatten: Flatten, errors: list[dict[str, Any]], targets: list[list[dict[str, Any]]], ctx: ExecutionContext
) -> None:
    paths = _paths_of(flatten, targets, ctx)
    renames = flatten.node.renames
    # alias -> the runtime type it is fetched for (an @interfaceObject answers it for every entity)
    typed = {a: p[0][1:-1] for p, a, _ in renames if len(p) == 1 and p[0].startswith("<")}
    for e in errors:
        p = e.get("path")
        if isinstance(p, list) and len(p) >= 2 and p[0] == "_entities" and isinstance(p[1], int) and p[1] < len(targets):
            rest = _unaliased(p[2:], renames) if renames else p[2:]
            only = typed.get(p[2]) if len(p) > 2 and isinstance(p[2], str) else None
            for obj in targets[p[1]]:
                if only is not None and obj.get("__typename") != only:
                    continue  # an error of a field another implementation asked for
                client_path = [*paths.get(id(obj), []), *rest]
                ctx.errors.append(_with_service({**e, "path": client_path}, flatten.node))
                ctx.errored.add(tuple(client_path))
        else:
            rewritten = {k: v for k, v in e.items() if k != "path"}
            ctx.errors.append(_with_service(rewritten, flatten.node))
            for path in paths.values():
                ctx.errored.add(tuple(path))


def _unaliased(rest: list[Any], renames: tuple[tuple[tuple[str, ...], str, str], ...]) -> list[Any]:
    """An error path inside an entity with the gateway's aliases replaced by the client's keys."""
    out = list(rest)
    for path, alias, key in renames:
        steps = [s for s in path if not s.startswith("<")]
        names = [i for i, s in enumerate(out) if isinstance(s, str)]
        if len(names) > len(steps) and [out[i] for i in names[: len(steps)]] == steps:
            j = names[len(steps)]
            if out[j] == alias:
                out[j] = key
    return out


def _with_service(e: dict[str, Any], fetch: Fetch) -> dict[str, Any]:
    ext = e.get("extensions")
    ext = dict(ext) if isinstance(ext, dict) else {}
    ext.setdefault("service", fetch.service)
    out = {k: v for k, v in e.items() if k != "locations"}  # locations refer to the subgraph's query
    out["extensions"] = ext
    return out


def _malformed(fetch: Fetch, why: str) -> dict[str, Any]:
    return error(
        f"Subgraph '{fetch.service}' returned a malformed response: {why}.",
        SUBREQUEST_MALFORMED_RESPONSE,
        service=fetch.service,
    )
