"""The executor's front door: a plan and a request context -> the GraphQL response.

Runs the plan's fetches (through the entity cache when it is on), answers the root introspection
fields from the API schema, merges, and shapes the data to the client's selection (nulls
propagated where the schema forbids them), with errors masked as configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema

from gateway.cache.analyze import Analyzer, PlanCacheInfo
from gateway.cache.entity import CONSISTENCY_HEADER, UNREADABLE_TOKEN, EntityCache, scope_of
from gateway.errors import INTERNAL_SERVER_ERROR, error
from gateway.executor import introspection, masking
from gateway.executor.execute import ExecutionContext, execute
from gateway.executor.incremental import IncrementalRun, Payloads
from gateway.executor.shape import Shaper
from gateway.executor.shape_codegen import Anomaly, compile_shape
from gateway.plan.nodes import Defer, QueryPlan
from gateway.transport.meta import FetchMeta, lsn_value
from gateway.types import Transport


@dataclass
class RequestContext:
    """What one request brings to the executor besides the plan."""

    transport: Transport
    urls: Mapping[str, str]  # graph id -> subgraph URL
    placeholders: frozenset[str]  # interface names an @interfaceObject subgraph answers as __typename
    api_schema: GraphQLSchema  # introspection answers from it
    variables: dict[str, Any]
    headers: Mapping[str, str]  # forwarded to subgraphs
    meta: FetchMeta | None = None
    redact_subgraph_errors: bool = False
    entity_cache: EntityCache | None = None
    analyzer: Analyzer | None = None  # the entity cache's analysis of this schema (with the cache)
    subgraph_timeout: float = 30.0  # a deferred part's fetches get this long from when it starts


@dataclass(frozen=True)
class Response:
    body: dict[str, Any]  # {"data": ..., "errors"?: [...], "extensions"?: {...}}
    cache_control: str | None = None  # with the entity cache: what the response may be cached for
    # Incremental delivery (a Defer plan): every payload encoded, `body` the first one's content.
    parts: Payloads | None = None

    @property
    def data(self) -> dict[str, Any] | None:
        return self.body["data"]


async def execute_plan(plan: QueryPlan, request: RequestContext) -> Response:
    operation = plan.operation
    assert operation is not None, "a plan is executed with the operation it answers"
    ctx = ExecutionContext(
        request.transport, request.urls, request.variables, request.headers, request.placeholders, request.meta
    )
    if operation.errors:
        ctx.errors.extend(operation.errors)
    cache_control = None
    if request.entity_cache is not None:
        assert request.analyzer is not None
        info = cache_info(plan, request.analyzer)
        ctx.cache = request.entity_cache
        ctx.cache_plans = info.fetches
        ctx.cache_scope = scope_of(request.headers)
        # Read-your-writes: a client holding a consistency token reads around every entry stamped
        # before it (one it cannot read, around all of them; the subgraph then refuses it).
        # A token this gateway handed out itself, after that mutation's evictions, needs no
        # bypass: every entry left reflects that write (EntityCache.issued).
        token = request.headers.get(CONSISTENCY_HEADER)
        if token:
            position = lsn_value(token)
            if position is None or not request.entity_cache.vouches(position):
                ctx.at_least = position or UNREADABLE_TOKEN
        cache_control = "no-store" if token else info.cache_control
    run = None
    try:
        if isinstance(plan.node, Defer):
            run = IncrementalRun(
                plan.node, ctx, operation.deferred, request.redact_subgraph_errors, request.subgraph_timeout
            )
            await run.primary()  # the deferred parts start as their dependencies complete
        else:
            await execute(plan.node, ctx)
            if ctx.cache is not None and operation.kind == "mutation" and not ctx.unevicted:
                issued = ctx.extensions.get("consistencyToken")
                position = lsn_value(issued) if isinstance(issued, str) else None
                if position is not None:
                    ctx.cache.issued(position)
    except Exception as e:  # a bug must cost this request only, with an error the client can read
        ctx.errors.append(error(f"Execution failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR))
    if plan.local_fields:
        assert operation.definition is not None
        data, errors = introspection.answer(
            request.api_schema, operation.fields, operation.definition, operation.fragments, request.variables
        )
        ctx.data.update(data)
        ctx.errors.extend(errors)
    response: dict[str, Any] = {"data": shape(plan, ctx)}
    if ctx.errors:
        response["errors"] = masking.clean(ctx.errors, request.redact_subgraph_errors)
    if ctx.extensions:
        response["extensions"] = ctx.extensions
    if cache_control is not None and ctx.errors:
        cache_control = "no-store"
    if run is not None:
        return Response(response, None, run.payloads(response))
    return Response(response, cache_control)


def shape(plan: QueryPlan, ctx: ExecutionContext) -> dict[str, Any] | None:
    """The merged data in the client's shape: the plan's compiled shaper (compiled once per plan)
    in the common case; nulls where the schema forbids them, or values of the wrong type, go to
    the general shaper, which finds where, reports why and propagates the nulls."""
    operation = plan.operation
    assert operation is not None
    compiled: Callable[[dict[str, Any]], dict[str, Any]] | None = plan.memo.get("shape")
    if compiled is None:
        compiled = plan.memo["shape"] = compile_shape(operation.fields)
    try:
        return compiled(ctx.data)
    except Anomaly:
        return Shaper(ctx.errors, ctx.errored).root(ctx.data, operation.fields)


def cache_info(plan: QueryPlan, analyzer: Analyzer) -> PlanCacheInfo:
    """Once per plan: each fetch's TTL, scope, key prefix and tag paths."""
    info: PlanCacheInfo | None = plan.memo.get("cache")
    if info is None:
        info = plan.memo["cache"] = analyzer.plan(plan)
    return info
