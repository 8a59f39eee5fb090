"""The one place that chains the stages: operation -> plan (cached) -> execute -> shape -> JSON.

Identical in-flight queries (same document, operation, variables and forwarded headers) share one
execution and one encoded response when inbound deduplication is on.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLObjectType, OperationType

from gateway import persisted
from gateway.auth.filter import filter_fields
from gateway.auth.principal import ANONYMOUS, Principal
from gateway.auth.tokens import AuthenticationError, Authenticator
from gateway.config import GatewayConfig
from gateway.demand.estimate import CostModel, Estimate, actual_cost
from gateway.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    INTROSPECTION_DISABLED,
    QUERY_PLANNING_FAILED,
    UNAUTHENTICATED,
    RequestError,
    error,
)
from gateway.executor import introspection, masking
from gateway.executor.execute import ExecutionContext, execute
from gateway.executor.shape import Shaper
from gateway.executor.shape_codegen import Anomaly, compile_shape
from gateway.inflight import InFlight
from gateway.operation import PreparedDocument, coerce_variables, select_operation
from gateway.planner.build import PlanningError
from gateway.planner.nodes import QueryPlan
from gateway.planner.normalize import NField, Normalizer, condition_values
from gateway.state import SchemaState
from gateway.transport.meta import FetchMeta
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
    # Demand control: (estimated, actual or None, refused) when it is on, for /metrics.
    cost: tuple[int, int | None, bool] | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()  # subgraph response headers passed to the client


class PlanEntry:
    """A cached plan with the client's field tree and, once first used, its compiled shaper.
    `errors` are the plan's own (fields removed by authorization), added to every answer;
    `estimate` its cost when demand control is on. An operation first seen over budget has no
    plan (`plan` None) until a request within budget (other variables) needs one."""

    __slots__ = ("_build", "_shape", "errors", "estimate", "fields", "plan")

    def __init__(
        self,
        plan: QueryPlan | None,
        fields: list[NField],
        errors: tuple[dict[str, Any], ...] = (),
        estimate: Estimate | None = None,
        build: Callable[[], QueryPlan] | None = None,
    ) -> None:
        self.plan = plan
        self._build = build
        self.fields = fields
        self.errors = errors
        self.estimate = estimate
        self._shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def ensure_plan(self) -> QueryPlan:
        if self.plan is None:
            assert self._build is not None
            self.plan = self._build()
            self._build = None
        return self.plan

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
    ) -> None:
        self.state = state
        self.persisted = persisted_queries
        self.transport = transport
        self.config = config
        self._inflight: InFlight[Result] = InFlight()
        self._always_labels = frozenset(config.override_labels)
        auth = config.auth
        self.auth = Authenticator(auth) if auth.enabled else None
        self.auth_header = auth.header.lower()
        # The claims header is the gateway's to set: a client's copy is never forwarded.
        self.claims_header = auth.claims_header.lower() if auth.enabled else ""
        self._forward = tuple(h for h in config.forward_headers if h != self.claims_header)
        self._demand = config.demand if config.demand.enabled else None

    def swap(self, state: SchemaState) -> None:
        """Serve a new schema: requests in flight finish on the state they hold."""
        self.state = state

    def forwarded_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name in self._forward:
            value = headers.get(name)
            if value is not None:
                out[name] = value
        return out

    # ------------------------------------------------------------------ entry
    async def run(
        self, request: GraphQLRequest, headers: Mapping[str, str], allow_mutation: bool = True
    ) -> Result:
        state = self.state
        principal = ANONYMOUS
        if self.auth is not None:
            header = headers.get(self.auth_header)
            if header is not None:  # no header: anonymous, at the cost of this lookup
                try:
                    principal = await self.auth.principal(header)
                except AuthenticationError as e:
                    body = orjson.dumps({"errors": [error(str(e), UNAUTHENTICATED)]})
                    return Result(body, True, 401, malformed=True)
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
        if principal.authenticated and self.claims_header:
            forwarded[self.claims_header] = principal.claims_json
        is_query = operation.operation == OperationType.QUERY
        if not (is_query and self.config.dedupe):
            return await self._execute(state, prepared, operation, variables, forwarded, principal)
        key = (
            state.id,
            prepared.hash,
            request.operation_name,
            orjson.dumps(variables, option=orjson.OPT_SORT_KEYS),
            tuple(forwarded.items()),
        )
        return await self._inflight.run(
            key, lambda: self._execute(state, prepared, operation, variables, forwarded, principal)
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

    def plan_for(
        self,
        state: SchemaState,
        prepared: PreparedDocument,
        operation: Any,
        variables: dict[str, Any],
        principal: Principal = ANONYMOUS,
    ) -> PlanEntry:
        labels = self._labels(state)
        conditions = condition_values(prepared.condition_variables, variables)
        op_name = operation.name.value if operation.name else None
        rules = state.access
        # Plans differ by what the request may see, reduced to what the schema asks about: all
        # anonymous requests share one plan, and so do tokens granting the same relevant scopes.
        access = (
            None
            if not rules.fields
            else rules.anonymous
            if principal is ANONYMOUS
            else rules.key(principal.authenticated, principal.scopes, principal.policies)
        )
        key = (prepared.hash, op_name, conditions, labels, access)

        def compute() -> PlanEntry:
            root = state.api_schema.get_root_type(operation.operation)
            assert isinstance(root, GraphQLObjectType)
            fields = Normalizer(
                state.api_schema, prepared.fragments, variables, state.documents.limits.max_fields
            ).fields(
                root, [operation.selection_set]
            )
            filtered = filter_fields(fields, rules, access) if access is not None else None
            plan_fields, shape_fields = (fields, fields) if filtered is None else (filtered.plan_fields, filtered.shape_fields)

            def build() -> QueryPlan:
                if not plan_fields:  # nothing left to ask: no fetch (a denied mutation runs nothing)
                    return QueryPlan(None)
                return state.planner.plan(operation, root, plan_fields, labels)

            estimate = None
            if self._demand is not None:
                estimate = CostModel(state.api_schema, state.costs, self._demand.list_size).estimate(
                    plan_fields, operation.operation == OperationType.MUTATION
                )
                if self._demand.over_budget(estimate.cost(variables)):
                    # refused before planning: a hostile operation costs a tree walk, not a plan
                    return PlanEntry(None, shape_fields, filtered.errors if filtered else (), estimate, build)
            return PlanEntry(build(), shape_fields, filtered.errors if filtered else (), estimate)

        return state.plans.get_or_compute(key, compute)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ execute
    async def _execute(
        self,
        state: SchemaState,
        prepared: PreparedDocument,
        operation: Any,
        variables: dict[str, Any],
        forwarded: dict[str, str],
        principal: Principal = ANONYMOUS,
    ) -> Result:
        try:
            entry = self.plan_for(state, prepared, operation, variables, principal)
        except PlanningError as e:
            return Result(orjson.dumps({"errors": [error(str(e), QUERY_PLANNING_FAILED)]}), True, 500)
        except RequestError as e:
            return Result(orjson.dumps({"errors": e.errors}), True, e.status)
        estimated = None
        if entry.estimate is not None:
            estimated = entry.estimate.cost(variables)
            assert self._demand is not None
            if self._demand.over_budget(estimated):
                message = f"The operation's estimated cost {estimated} exceeds the limit of {self._demand.max_cost}."
                body = orjson.dumps(
                    {"errors": [error(message, COST_ESTIMATED_TOO_EXPENSIVE, cost={"estimated": estimated, "max": self._demand.max_cost})]}
                )
                return Result(body, True, 400, cost=(estimated, None, True))
        plan = entry.plan or entry.ensure_plan()
        if plan.local_fields and not self.config.introspection:
            message = "GraphQL introspection is not allowed, but the query contained __schema or __type."
            return Result(orjson.dumps({"errors": [error(message, INTROSPECTION_DISABLED)]}), True, 400)
        meta = FetchMeta(asyncio.get_running_loop().time() + self.config.subgraph_timeout)
        ctx = ExecutionContext(self.transport, state.urls, variables, forwarded, state.placeholders, meta)
        if entry.errors:
            ctx.errors.extend(entry.errors)
        try:
            await execute(plan.node, ctx)
        except Exception as e:  # a bug must cost this request only, with an error the client can read
            ctx.errors.append(error(f"Execution failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR))
        if plan.local_fields:
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
            response["errors"] = masking.clean(ctx.errors, self.config.redact_subgraph_errors)
        if ctx.extensions:
            response["extensions"] = ctx.extensions
        if estimated is None:
            return Result(orjson.dumps(response), False, 200, headers=meta.response_headers())
        assert self._demand is not None
        actual = (
            actual_cost(data, entry.fields, state.costs, operation.operation == OperationType.MUTATION)
            if self._demand.measure_actual
            else None
        )
        return Result(orjson.dumps(response), False, 200, cost=(estimated, actual, False), headers=meta.response_headers())

