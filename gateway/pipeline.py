"""The one place that chains the stages: operation -> plan (cached) -> execute -> shape -> JSON.

Identical in-flight queries (same document, operation, variables and forwarded headers) share one
execution and one encoded response when inbound deduplication is on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLObjectType, OperationType

from gateway import persisted
from gateway.cache.analyze import Analyzer, PlanCacheInfo
from gateway.cache.entity import CONSISTENCY_HEADER, EntityCache, scope_of
from gateway.cache.hints import CacheHints
from gateway.config import GatewayConfig
from gateway.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    QUERY_PLANNING_FAILED,
    RequestError,
    error,
)
from gateway.executor import introspection
from gateway.executor.execute import ExecutionContext, execute
from gateway.executor.shape import Shaper
from gateway.executor.shape_codegen import Anomaly, compile_shape
from gateway.inflight import InFlight
from gateway.operation import PreparedDocument, coerce_variables, select_operation
from gateway.planner.build import PlanningError
from gateway.planner.nodes import QueryPlan
from gateway.planner.normalize import NField, Normalizer, condition_values
from gateway.state import SchemaState
from gateway.types import Transport


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True)
class Result:
    body: bytes  # the encoded GraphQL response
    request_error: bool  # no `data`: the request failed before execution
    status: int = 200  # the status for application/graphql-response+json
    malformed: bool = False  # the status holds for application/json too
    cache_control: str | None = None  # the Cache-Control header, when the entity cache is on


class PlanEntry:
    """A cached plan with the client's field tree and, once first used, its compiled shaper."""

    __slots__ = ("_shape", "cache", "fields", "plan")

    def __init__(self, plan: QueryPlan, fields: list[NField]) -> None:
        self.plan = plan
        self.fields = fields
        self._shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.cache: PlanCacheInfo | None = None  # the entity cache's per-plan precomputation

    def shape(self, data: dict[str, Any]) -> dict[str, Any]:
        if self._shape is None:
            self._shape = compile_shape(self.fields)
        return self._shape(data)


class Gateway:
    def __init__(
        self,
        state: SchemaState,
        transport: Transport,
        config: GatewayConfig,
        persisted_queries: persisted.QueryStore | None = None,
        entity_cache: EntityCache | None = None,
    ) -> None:
        self.state = state
        self.entity_cache = entity_cache
        self.persisted = persisted_queries
        self.transport = transport
        self.config = config
        self._inflight: InFlight[Result] = InFlight()
        self._always_labels = frozenset(config.override_labels)

    def swap(self, state: SchemaState) -> None:
        """Serve a new schema: requests in flight finish on the state they hold."""
        self.state = state

    def forwarded_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name in self.config.forward_headers:
            value = headers.get(name)
            if value is not None:
                out[name] = value
        return out

    # ------------------------------------------------------------------ entry
    async def run(
        self, request: GraphQLRequest, headers: Mapping[str, str], allow_mutation: bool = True
    ) -> Result:
        state = self.state
        try:
            if request.extensions and "persistedQuery" in request.extensions:
                text = await persisted.resolve(self.persisted, request.query, request.extensions)
                request = GraphQLRequest(text, request.operation_name, request.variables, request.extensions)
            prepared = self._prepare(state, request)
            operation = select_operation(prepared, request.operation_name)
            if operation.operation == OperationType.MUTATION and not allow_mutation:
                raise RequestError("Mutations are not allowed over GET; use POST.", "METHOD_NOT_ALLOWED", 405)
            if operation.operation == OperationType.SUBSCRIPTION:
                raise RequestError(
                    "Subscriptions are not served over HTTP: they need a WebSocket (graphql-transport-ws).",
                    "BAD_REQUEST",
                    400,
                )
            variables = coerce_variables(state.api_schema, operation, request.variables)
        except RequestError as e:
            return Result(orjson.dumps({"errors": e.errors}), True, e.status, e.malformed)
        forwarded = self.forwarded_headers(headers)
        is_query = operation.operation == OperationType.QUERY
        if not (is_query and self.config.dedupe):
            return await self._execute(state, prepared, operation, variables, forwarded)
        key = (
            state.id,
            prepared.hash,
            request.operation_name,
            orjson.dumps(variables, option=orjson.OPT_SORT_KEYS),
            tuple(forwarded.items()),
        )
        return await self._inflight.run(
            key, lambda: self._execute(state, prepared, operation, variables, forwarded)
        )

    def _prepare(self, state: SchemaState, request: GraphQLRequest) -> PreparedDocument:
        if not isinstance(request.query, str) or not request.query.strip():
            raise RequestError("The request has no query: send a GraphQL document in `query`.", malformed=True)
        prepared = state.documents.get(request.query)
        if prepared.errors:
            code = GRAPHQL_PARSE_FAILED if prepared.document is None else GRAPHQL_VALIDATION_FAILED
            raise RequestError.from_errors(prepared.errors, code)
        return prepared

    # ------------------------------------------------------------------ plan
    def _labels(self, state: SchemaState) -> frozenset[str]:
        if not state.override_labels:
            return self._always_labels
        active = set(self._always_labels)
        for label in state.override_labels:
            if label.startswith("percent(") and label.endswith(")"):
                try:
                    if random.random() * 100 < float(label[8:-1]):
                        active.add(label)
                except ValueError:
                    continue
        return frozenset(active)

    def plan_for(self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any]) -> PlanEntry:
        labels = self._labels(state)
        conditions = condition_values(prepared.condition_variables, variables)
        op_name = operation.name.value if operation.name else None
        key = (prepared.hash, op_name, conditions, labels)

        def compute() -> PlanEntry:
            root = state.api_schema.get_root_type(operation.operation)
            assert isinstance(root, GraphQLObjectType)
            fields = Normalizer(
                state.api_schema, prepared.fragments, variables, state.documents.limits.max_fields
            ).fields(
                root, [operation.selection_set]
            )
            plan = state.planner.plan(operation, root, fields, labels)
            return PlanEntry(plan, fields)

        return state.plans.get_or_compute(key, compute)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ execute
    async def _execute(
        self,
        state: SchemaState,
        prepared: PreparedDocument,
        operation: Any,
        variables: dict[str, Any],
        forwarded: dict[str, str],
    ) -> Result:
        try:
            entry = self.plan_for(state, prepared, operation, variables)
        except PlanningError as e:
            return Result(orjson.dumps({"errors": [error(str(e), QUERY_PLANNING_FAILED)]}), True, 500)
        except RequestError as e:
            return Result(orjson.dumps({"errors": e.errors}), True, e.status)
        ctx = ExecutionContext(self.transport, state.urls, variables, forwarded, state.placeholders)
        cache_control = None
        if self.entity_cache is not None:
            info = entry.cache if entry.cache is not None else self._cache_info(state, entry)
            ctx.cache = self.entity_cache
            ctx.cache_plans = info.fetches
            ctx.cache_scope = scope_of(forwarded)
            # Read-your-writes: a client holding a consistency token reads around the cache.
            ctx.bypass = bool(forwarded.get(CONSISTENCY_HEADER))
            cache_control = "no-store" if ctx.bypass else info.cache_control
        try:
            await execute(entry.plan.node, ctx)
        except Exception as e:  # a bug must cost this request only, with an error the client can read
            ctx.errors.append(error(f"Execution failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR))
        if entry.plan.local_fields:
            data, errors = introspection.answer(
                state.api_schema, entry.fields, operation, prepared.fragments, variables
            )
            ctx.data.update(data)
            ctx.errors.extend(errors)
        try:
            data: dict[str, Any] | None = entry.shape(ctx.data)
        except Anomaly:
            # nulls where the schema forbids them, or values of the wrong type: the general
            # shaper finds where, reports why and propagates the nulls
            data = Shaper(ctx.errors, ctx.errored).root(ctx.data, entry.fields)
        response: dict[str, Any] = {"data": data}
        if ctx.errors:
            response["errors"] = ctx.errors
        if ctx.extensions:
            response["extensions"] = ctx.extensions
        if cache_control is not None and ctx.errors:
            cache_control = "no-store"
        return Result(orjson.dumps(response), False, 200, cache_control=cache_control)

    def _cache_info(self, state: SchemaState, entry: PlanEntry) -> PlanCacheInfo:
        """Once per plan: each fetch's TTL, scope, key prefix and tag paths."""
        analyzer = state.cache_analyzer
        if analyzer is None:
            assert self.entity_cache is not None
            cfg = self.entity_cache.config
            analyzer = Analyzer(state.supergraph, CacheHints(state.supergraph, cfg.ttl, cfg.default_ttl), cfg)
            state.cache_analyzer = analyzer
        entry.cache = analyzer.plan(entry.plan)
        return entry.cache

