"""The one place that chains the stages: request -> operation (parse, validate, coerce) -> plan
(`QueryPlanner`, cached) -> execute (`execute_plan`: fetch, merge, shape) -> encoded response.

Identical in-flight queries (same document, operation, variables and forwarded headers) share one
execution and one encoded response when inbound deduplication is on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import OperationType

from gateway import persisted
from gateway.auth.principal import ANONYMOUS, Principal
from gateway.auth.rules import AccessKey
from gateway.auth.tokens import AuthenticationError, Authenticator
from gateway.cache.analyze import Analyzer
from gateway.cache.entity import EntityCache
from gateway.cache.hints import CacheHints
from gateway.cache.plans import PlanStore
from gateway.config import GatewayConfig
from gateway.demand.estimate import CostModel, Estimate, actual_cost
from gateway.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    COST_QUERY_PARSE_FAILURE,
    FAILED,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTROSPECTION_DISABLED,
    PARTIAL,
    QUERY_PLANNING_FAILED,
    SUCCESS,
    UNAUTHENTICATED,
    RequestError,
    error,
)
from gateway.executor.run import RequestContext, execute_plan
from gateway.inflight import InFlight
from gateway.operation import PreparedDocument, coerce_variables, select_operation
from gateway.plan.nodes import QueryPlan
from gateway.plan.operation import Operation
from gateway.planner.errors import PlanningError
from gateway.state import SchemaState
from gateway.telemetry import stages
from gateway.telemetry.client import Tracer
from gateway.transport.meta import FetchMeta
from gateway.types import Transport


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None  # a trusted document's id (GraphQL over HTTP `documentId`)


@dataclass(frozen=True)
class Result:
    body: bytes  # the encoded GraphQL response
    request_error: bool  # no `data`: the request failed before execution
    status: int = 200  # the status for application/graphql-response+json
    malformed: bool = False  # the status holds for application/json too
    cache_control: str | None = None  # the Cache-Control header, when the entity cache is on
    # Demand control: (estimated, actual or None, refused) when it is on, for /metrics.
    cost: tuple[int, int | None, bool] | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()  # subgraph response headers passed to the client
    # Incremental delivery (@defer): the encoded payloads, the first already computed; `body` unused.
    parts: AsyncIterator[bytes] | None = None
    # For /metrics: success | partial | error | refused (gateway.errors.OUTCOMES; "" derives it
    # from `request_error`), and the operation that ran ("" when none was selected, None: anonymous).
    outcome: str = ""
    operation: str | None = ""


class Gateway:
    def __init__(
        self,
        state: SchemaState,
        transport: Transport,
        config: GatewayConfig,
        persisted_queries: persisted.QueryStore | None = None,
        entity_cache: EntityCache | None = None,
        plan_store: PlanStore | None = None,
        trusted: persisted.TrustedDocuments | None = None,
    ) -> None:
        self.state = state
        self.trusted = trusted
        self.entity_cache = entity_cache
        self.plan_store = plan_store
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
        # Told about each new schema after the swap (open subscriptions re-plan or end).
        self.swap_listeners: list[Callable[[SchemaState], None]] = []
        self.tracer: Tracer | None = None  # set once at start when tracing is on (gateway/telemetry)

    def swap(self, state: SchemaState) -> None:
        """Serve a new schema: requests in flight finish on the state they hold."""
        self.state = state
        for listener in self.swap_listeners:
            listener(state)

    def forwarded_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name in self._forward:
            value = headers.get(name)
            if value is not None:
                out[name] = value
        return out

    # ------------------------------------------------------------------ entry
    async def run(
        self, request: GraphQLRequest, headers: Mapping[str, str], allow_mutation: bool = True,
        incremental: bool = False,
    ) -> Result:
        """`incremental`: the client takes incremental delivery (multipart, deferSpec=20220824); an
        operation using @defer then answers with `Result.parts`, any other as usual."""
        if self.tracer is not None:
            return await stages.request(self.tracer, self._run(request, headers, allow_mutation, incremental))
        return await self._run(request, headers, allow_mutation, incremental)

    async def _run(
        self, request: GraphQLRequest, headers: Mapping[str, str], allow_mutation: bool, incremental: bool
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
        register = None
        try:
            if self.trusted is not None:
                text: str | None = persisted.trusted_text(self.trusted, request.query, request.extensions, request.document_id)
                request = GraphQLRequest(text, request.operation_name, request.variables, request.extensions)
            elif request.document_id is not None:
                raise RequestError(
                    "`documentId` needs trusted documents mode; send `query` (or APQ's persistedQuery).",
                    persisted.PERSISTED_QUERY_NOT_SUPPORTED, 400, malformed=True,
                )
            elif request.extensions and "persistedQuery" in request.extensions:
                text, register = await persisted.resolve(self.persisted, request.query, request.extensions)
                request = GraphQLRequest(text, request.operation_name, request.variables, request.extensions)
            if self.tracer is None:
                prepared = self._prepare(state, request)
            else:
                with stages.validate(self.tracer, request.query in state.documents):
                    prepared = self._prepare(state, request)
            if register is not None and self.persisted is not None:
                # Only a document that parsed and validated is ever stored.
                await self.persisted.put(register, prepared.text)
            operation = select_operation(prepared, request.operation_name)
            if self.tracer is not None:
                stages.name_operation(operation.operation.value, operation.name.value if operation.name else None, prepared.hash)
            if operation.operation == OperationType.MUTATION and not allow_mutation:
                raise RequestError("Mutations are not allowed over GET; use POST.", "METHOD_NOT_ALLOWED", 405)
            if operation.operation == OperationType.SUBSCRIPTION:
                raise RequestError(
                    "Subscriptions need a streaming transport: a WebSocket (graphql-transport-ws), or POST with "
                    "Accept: text/event-stream (graphql-sse) or multipart/mixed;subscriptionSpec=1.0.",
                    "BAD_REQUEST",
                    400,
                )
            variables = coerce_variables(state.api_schema, operation, request.variables)
        except RequestError as e:
            return Result(orjson.dumps({"errors": e.errors}), True, e.status, e.malformed)
        forwarded = self.forwarded_headers(headers)
        if principal.authenticated and self.claims_header:
            forwarded[self.claims_header] = principal.claims_json
        if incremental and prepared.has_defer:  # a stream is never shared with another request
            return await self._execute(state, prepared, operation, variables, forwarded, principal, True)
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

    def prepare(self, state: SchemaState, request: GraphQLRequest) -> PreparedDocument:
        """The request's document, parsed and validated (cached); RequestError if it is not valid."""
        return self._prepare(state, request)

    def _prepare(self, state: SchemaState, request: GraphQLRequest) -> PreparedDocument:
        if not isinstance(request.query, str) or not request.query.strip():
            raise RequestError("The request has no query: send a GraphQL document in `query`.", malformed=True)
        prepared = state.documents.get(request.query)
        if prepared.errors:
            code = GRAPHQL_PARSE_FAILED if prepared.document is None else GRAPHQL_VALIDATION_FAILED
            raise RequestError.from_errors(prepared.errors, code)
        return prepared

    # ------------------------------------------------------------------ plan
    def access_key(self, state: SchemaState, principal: Principal) -> AccessKey | None:
        """Plans differ by what the request may see, reduced to what the schema asks about: all
        anonymous requests share one plan, and so do tokens granting the same relevant scopes."""
        rules = state.access
        if not rules.fields:
            return None
        if principal is ANONYMOUS:
            return rules.anonymous
        return rules.key(principal.authenticated, principal.scopes, principal.policies)

    def plan(
        self, state: SchemaState, prepared: PreparedDocument, operation_name: str | None, variables: dict[str, Any],
        principal: Principal = ANONYMOUS,
    ) -> QueryPlan:
        """The request's plan (subscriptions); RequestError when demand control refuses it."""
        estimated: list[int] = []
        admit: Callable[[Operation], bool] | None = None
        if self._demand is not None:
            demand = self._demand

            def admit(normalised: Operation) -> bool:
                estimated.append(self._estimate(state, normalised).cost(variables))
                return not demand.over_budget(estimated[-1])

        plan = state.planner.plan(
            prepared, operation_name, variables, self._always_labels, self.access_key(state, principal), admit
        )
        if plan is None:
            assert self._demand is not None and estimated
            raise RequestError(
                f"The operation's estimated cost {estimated[-1]} exceeds the limit of {self._demand.max_cost}.",
                COST_ESTIMATED_TOO_EXPENSIVE,
            )
        return plan

    def prime(self, state: SchemaState, origins: list[dict[str, Any]]) -> int:
        """Put plans for these operations into `state`'s cache; how many were planned."""
        return state.planner.prime(origins)

    def hottest_origins(self, state: SchemaState, limit: int) -> list[dict[str, Any]]:
        return state.planner.hottest_origins(limit)

    async def warm_from_store(self, limit: int = 200) -> int:
        """A new process: plan the hottest operations of this schema from the plan store."""
        if self.plan_store is None:
            return 0
        return await self.state.planner.warm_from_store(self.plan_store, limit)

    def flush_uses(self) -> None:
        """Report use counts since the last flush to the plan store's ranking."""
        if self.plan_store is not None:
            self.state.planner.flush_uses(self.plan_store)

    def _estimate(self, state: SchemaState, operation: Operation) -> Estimate:
        estimate: Estimate | None = operation.memo.get("estimate")
        if estimate is None:
            assert self._demand is not None
            estimate = operation.memo["estimate"] = CostModel(state.api_schema, state.costs, self._demand.list_size).estimate(
                operation.plan_fields, operation.kind == "mutation"
            )
        return estimate

    # ------------------------------------------------------------------ execute
    async def _execute(
        self,
        state: SchemaState,
        prepared: PreparedDocument,
        operation: Any,
        variables: dict[str, Any],
        forwarded: dict[str, str],
        principal: Principal = ANONYMOUS,
        incremental: bool = False,
    ) -> Result:
        op_name = operation.name.value if operation.name else None
        estimated: int | None = None
        unsized: str | None = None
        admit: Callable[[Operation], bool] | None = None
        if self._demand is not None:
            demand = self._demand

            def admit(normalised: Operation) -> bool:
                # Refused before planning: a hostile operation costs a tree walk, not a plan.
                nonlocal estimated, unsized
                estimate = self._estimate(state, normalised)
                if demand.mode == "enforce":
                    unsized = estimate.slicing_error(variables)
                    if unsized is not None:
                        return False
                estimated = estimate.cost(variables)
                return not demand.over_budget(estimated)

        access = self.access_key(state, principal)
        try:
            if self.tracer is None:
                plan = await self._plan(state, prepared, op_name, variables, access, admit, incremental)
            else:
                with stages.PlanSpan(self.tracer, state.planner.cache):
                    plan = await self._plan(state, prepared, op_name, variables, access, admit, incremental)
        except PlanningError as e:
            # A valid operation this supergraph cannot serve (a field reachable only through a
            # non-resolvable key): execution starts and fails as a whole, so data is null.
            return Result(orjson.dumps({"data": None, "errors": [error(str(e), QUERY_PLANNING_FAILED)]}), True, 200)
        except RequestError as e:
            return Result(orjson.dumps({"errors": e.errors}), True, e.status)
        if plan is None:
            assert self._demand is not None
            if unsized is not None:  # @listSize(requireOneSlicingArgument:), as Apollo Router refuses it
                return Result(orjson.dumps({"errors": [error(unsized, COST_QUERY_PARSE_FAILURE)]}), True, 400)
            assert estimated is not None
            message = f"The operation's estimated cost {estimated} exceeds the limit of {self._demand.max_cost}."
            body = orjson.dumps(
                {"errors": [error(message, COST_ESTIMATED_TOO_EXPENSIVE, cost={"estimated": estimated, "max": self._demand.max_cost})]}
            )
            return Result(body, True, 400, cost=(estimated, None, True))
        if plan.local_fields and not self.config.introspection:
            message = "GraphQL introspection is not allowed, but the query contained __schema or __type."
            return Result(orjson.dumps({"errors": [error(message, INTROSPECTION_DISABLED)]}), True, 400)
        meta = FetchMeta(asyncio.get_running_loop().time() + self.config.subgraph_timeout)
        request = RequestContext(
            self.transport, state.urls, state.placeholders, state.api_schema, variables, forwarded, meta,
            self.config.redact_subgraph_errors, subgraph_timeout=self.config.subgraph_timeout,
        )
        if self.entity_cache is not None:
            request.entity_cache = self.entity_cache
            request.analyzer = self._analyzer(state)
        response = await execute_plan(plan, request)
        if response.parts is not None:  # the first payload now, the deferred ones as they complete
            # counted when the first payload is ready (the later parts' errors are theirs)
            return Result(b"", False, 200, headers=meta.response_headers(), parts=response.parts, operation=op_name)
        body = orjson.dumps(response.body)
        # For /metrics: errors beside data are a partial answer; errors and no data, an error.
        outcome = SUCCESS if "errors" not in response.body else PARTIAL if response.data is not None else FAILED
        if estimated is None:
            return Result(
                body, False, 200, cache_control=response.cache_control, headers=meta.response_headers(),
                outcome=outcome, operation=op_name,
            )
        assert self._demand is not None and plan.operation is not None
        actual = (
            actual_cost(response.data, plan.operation.fields, state.costs, plan.operation.kind == "mutation")
            if self._demand.measure_actual
            else None
        )
        return Result(
            body, False, 200, cache_control=response.cache_control,
            cost=(estimated, actual, False), headers=meta.response_headers(), outcome=outcome, operation=op_name,
        )

    async def _plan(
        self, state: SchemaState, prepared: PreparedDocument, op_name: str | None, variables: dict[str, Any],
        access: AccessKey | None, admit: Callable[[Operation], bool] | None, incremental: bool = False,
    ) -> QueryPlan | None:
        if self.plan_store is None:
            return state.planner.plan(prepared, op_name, variables, self._always_labels, access, admit, incremental)
        return await state.planner.plan_async(
            self.plan_store, prepared, op_name, variables, self._always_labels, access, admit, incremental
        )

    def _analyzer(self, state: SchemaState) -> Analyzer:
        """The entity cache's analysis of this schema, made on first use."""
        analyzer = state.cache_analyzer
        if analyzer is None:
            assert self.entity_cache is not None
            cfg = self.entity_cache.config
            analyzer = Analyzer(state.supergraph, CacheHints(state.supergraph, cfg.ttl, cfg.default_ttl), cfg)
            state.cache_analyzer = analyzer
        return analyzer
