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
from gateway.auth.rules import AccessKey, AccessRules
from gateway.auth.tokens import AuthenticationError, Authenticator
from gateway.cache.analyze import Analyzer, PlanCacheInfo
from gateway.cache.entity import CONSISTENCY_HEADER, EntityCache, scope_of
from gateway.cache.hints import CacheHints
from gateway.cache.plans import PlanStore, plan_digest
from gateway.config import GatewayConfig
from gateway.demand.estimate import CostModel, Estimate, actual_cost
from gateway.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    FAILED,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    INTROSPECTION_DISABLED,
    PARTIAL,
    QUERY_PLANNING_FAILED,
    SUCCESS,
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
from gateway.planner.nodes import QueryPlan, from_json, to_json
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
    # For /metrics: success | partial | error | refused (gateway.errors.OUTCOMES; "" derives it
    # from `request_error`), and the operation that ran ("" when none was selected, None: anonymous).
    outcome: str = ""
    operation: str | None = ""


class PlanEntry:
    """A cached plan with the client's field tree and, once first used, its compiled shaper.
    `errors` are the plan's own (fields removed by authorization), added to every answer;
    `estimate` its cost when demand control is on. An operation first seen over budget has no
    plan (`plan` None) until a request within budget (other variables) needs one."""

    __slots__ = ("_build", "_shape", "cache", "errors", "estimate", "fields", "flushed", "origin", "plan", "uses")

    def __init__(
        self,
        plan: QueryPlan | None,
        fields: list[NField],
        errors: tuple[dict[str, Any], ...] = (),
        estimate: Estimate | None = None,
        build: Callable[[], QueryPlan] | None = None,
        origin: dict[str, Any] | None = None,
    ) -> None:
        self.plan = plan
        self._build = build
        self.fields = fields
        self.errors = errors
        self.estimate = estimate
        self._shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.cache: PlanCacheInfo | None = None  # the entity cache's per-plan precomputation
        # What it was planned from (document text, operation, condition variables, labels): to
        # re-plan it on a new schema, or re-prime another process from the plan store.
        self.origin = origin or {}
        self.uses = 0  # requests served (ranks the hottest operations)
        self.flushed = 0  # uses already reported to the plan store

    def payload(self) -> dict[str, Any]:
        plan = self.ensure_plan()
        return {
            **self.origin,
            "plan": to_json(plan.node) if plan.node is not None else None,
            "localFields": list(plan.local_fields),
        }

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
        register = None
        try:
            if self.trusted is not None:
                text = persisted.trusted_text(self.trusted, request.query, request.extensions, request.document_id)
                request = GraphQLRequest(text, request.operation_name, request.variables, request.extensions)
            elif request.document_id is not None:
                raise RequestError(
                    "`documentId` needs trusted documents mode; send `query` (or APQ's persistedQuery).",
                    persisted.PERSISTED_QUERY_NOT_SUPPORTED, 400, malformed=True,
                )
            elif request.extensions and "persistedQuery" in request.extensions:
                text, register = await persisted.resolve(self.persisted, request.query, request.extensions)
                request = GraphQLRequest(text, request.operation_name, request.variables, request.extensions)
            prepared = self._prepare(state, request)
            if register is not None and self.persisted is not None:
                # Only a document that parsed and validated is ever stored.
                await self.persisted.put(register, prepared.text)
            operation = select_operation(prepared, request.operation_name)
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

    def _plan_key(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        principal: Principal = ANONYMOUS,
    ) -> tuple[tuple[Any, ...], frozenset[str], AccessKey | None]:
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
        return (prepared.hash, op_name, conditions, labels, access), labels, access

    def _compute(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        labels: frozenset[str], access: AccessKey | None, plan: QueryPlan | None = None,
    ) -> PlanEntry:
        """Normalise the client's fields, filter them by access and plan them (or take `plan`,
        already made for them by another process)."""
        root = state.api_schema.get_root_type(operation.operation)
        assert isinstance(root, GraphQLObjectType)
        fields = Normalizer(
            state.api_schema, prepared.fragments, variables, state.documents.limits.max_fields
        ).fields(
            root, [operation.selection_set]
        )
        rules = state.access
        filtered = filter_fields(fields, rules, access) if access is not None else None
        plan_fields, shape_fields = (fields, fields) if filtered is None else (filtered.plan_fields, filtered.shape_fields)
        errors = filtered.errors if filtered else ()
        origin = {
            "query": prepared.text,
            "operationName": operation.name.value if operation.name else None,
            "conditions": {n: variables.get(n) is True for n in prepared.condition_variables},
            "labels": sorted(labels),
            "access": _access_json(access),
        }

        def build() -> QueryPlan:
            if plan is not None:
                return plan
            if not plan_fields:  # nothing left to ask: no fetch (a denied mutation runs nothing)
                return QueryPlan(None)
            return state.planner.plan(operation, root, plan_fields, labels)

        estimate = None
        if self._demand is not None:
            estimate = CostModel(state.api_schema, state.costs, self._demand.list_size).estimate(
                plan_fields, operation.operation == OperationType.MUTATION
            )
            if plan is None and self._demand.over_budget(estimate.cost(variables)):
                # refused before planning: a hostile operation costs a tree walk, not a plan
                return PlanEntry(None, shape_fields, errors, estimate, build, origin)
        return PlanEntry(build(), shape_fields, errors, estimate, origin=origin)

    def plan_for(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        principal: Principal = ANONYMOUS,
    ) -> PlanEntry:
        key, labels, access = self._plan_key(state, prepared, operation, variables, principal)
        entry: PlanEntry = state.plans.get_or_compute(
            key, lambda: self._compute(state, prepared, operation, variables, labels, access)
        )
        entry.uses += 1
        return entry

    async def plan_for_async(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        principal: Principal = ANONYMOUS,
    ) -> PlanEntry:
        """With the plan store: an in-process miss asks Redis before planning."""
        key, labels, access = self._plan_key(state, prepared, operation, variables, principal)
        store = self.plan_store
        assert store is not None

        async def compute() -> PlanEntry:
            digest = plan_digest(key)
            payload = await store.get(state.id, digest)
            if payload is not None:
                entry = self._from_payload(state, prepared, operation, variables, labels, access, payload)
                if entry is not None:
                    return entry
            entry = self._compute(state, prepared, operation, variables, labels, access)
            if entry.plan is not None:  # an operation refused over budget is not worth sharing
                store.put(state.id, digest, entry.payload())
            return entry

        entry: PlanEntry = await state.plans.get_or_compute_async(key, compute)
        entry.uses += 1
        return entry

    def _from_payload(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        labels: frozenset[str], access: AccessKey | None, payload: dict[str, Any],
    ) -> PlanEntry | None:
        try:
            node = payload.get("plan")
            plan = QueryPlan(from_json(node) if node else None, tuple(payload.get("localFields", ())))
        except (KeyError, TypeError, ValueError):
            return None  # written by another version: plan again
        return self._compute(state, prepared, operation, variables, labels, access, plan)

    def replan(self, state: SchemaState, origin: dict[str, Any]) -> tuple[tuple[Any, ...], PlanEntry] | None:
        """Plan an operation again from its origin, for `state` (a reload, or a warm start)."""
        prepared = state.documents.get(origin["query"])
        if prepared.errors:
            return None  # not valid against this schema: clients will hear why when they ask
        operation = select_operation(prepared, origin.get("operationName"))
        variables = dict(origin.get("conditions") or {})
        key, labels, access = self._plan_key_fixed(state, prepared, operation, variables, origin)
        return key, self._compute(state, prepared, operation, variables, labels, access)

    def prime(self, state: SchemaState, origins: list[dict[str, Any]]) -> int:
        """Put plans for these operations into `state`'s cache; how many were planned."""
        done = 0
        for origin in origins:
            try:
                made = self.replan(state, origin)
            except Exception:  # an operation the new schema cannot plan: skip it
                continue
            if made is not None:
                state.plans.put(*made)
                done += 1
        return done

    async def warm_from_store(self, limit: int = 200) -> int:
        """A new process: plan the hottest operations of this schema from the plan store (their
        stored plans, no planning), before it serves."""
        if self.plan_store is None:
            return 0
        state = self.state
        done = 0
        for _, payload in await self.plan_store.hottest(state.id, limit):
            try:
                prepared = state.documents.get(payload["query"])
                if prepared.errors:
                    continue
                operation = select_operation(prepared, payload.get("operationName"))
                variables = dict(payload.get("conditions") or {})
                key, labels, access = self._plan_key_fixed(state, prepared, operation, variables, payload)
                entry = self._from_payload(state, prepared, operation, variables, labels, access, payload)
            except Exception:  # a stale or foreign entry: skip it
                continue
            if entry is not None:
                state.plans.put(key, entry)
                done += 1
        if done:
            self.plan_store.stats.request("plan", "hit", done)
        return done

    def _plan_key_fixed(
        self, state: SchemaState, prepared: PreparedDocument, operation: Any, variables: dict[str, Any],
        payload: dict[str, Any],
    ) -> tuple[tuple[Any, ...], frozenset[str], AccessKey | None]:
        """The plan key an origin was planned under: its labels and access, not this request's."""
        labels = frozenset(payload.get("labels") or ())
        op_name = operation.name.value if operation.name else None
        access = _access_from_json(state.access, payload.get("access"))
        conditions = condition_values(prepared.condition_variables, variables)
        return (prepared.hash, op_name, conditions, labels, access), labels, access

    def hottest_origins(self, state: SchemaState, limit: int) -> list[dict[str, Any]]:
        for _ in range(3):  # the loop may touch the LRU while a reload thread reads it
            try:
                entries = list(state.plans.values())
                break
            except RuntimeError:
                continue
        else:
            return []
        entries.sort(key=lambda e: e.uses, reverse=True)
        return [e.origin for e in entries[:limit] if e.origin]

    def flush_uses(self) -> None:
        """Report use counts since the last flush to the plan store's ranking."""
        if self.plan_store is None:
            return
        state = self.state
        uses: dict[str, int] = {}
        for key, entry in state.plans.items():
            delta = entry.uses - entry.flushed
            if delta > 0:
                uses[plan_digest(key)] = delta
                entry.flushed = entry.uses
        self.plan_store.record_use(state.id, uses)

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
            if self.plan_store is None:
                entry = self.plan_for(state, prepared, operation, variables, principal)
            else:
                entry = await self.plan_for_async(state, prepared, operation, variables, principal)
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
        cache_control = None
        if self.entity_cache is not None:
            info = entry.cache if entry.cache is not None else self._cache_info(state, entry, plan)
            ctx.cache = self.entity_cache
            ctx.cache_plans = info.fetches
            ctx.cache_scope = scope_of(forwarded)
            # Read-your-writes: a client holding a consistency token reads around the cache.
            ctx.bypass = bool(forwarded.get(CONSISTENCY_HEADER))
            cache_control = "no-store" if ctx.bypass else info.cache_control
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
        if cache_control is not None and ctx.errors:
            cache_control = "no-store"
        outcome = SUCCESS if not ctx.errors else PARTIAL if data is not None else FAILED
        op_name = operation.name.value if operation.name else None
        if estimated is None:
            return Result(
                orjson.dumps(response), False, 200, cache_control=cache_control, headers=meta.response_headers(),
                outcome=outcome, operation=op_name,
            )
        assert self._demand is not None
        actual = (
            actual_cost(data, entry.fields, state.costs, operation.operation == OperationType.MUTATION)
            if self._demand.measure_actual
            else None
        )
        return Result(
            orjson.dumps(response), False, 200, cache_control=cache_control,
            cost=(estimated, actual, False), headers=meta.response_headers(), outcome=outcome, operation=op_name,
        )

    def _cache_info(self, state: SchemaState, entry: PlanEntry, plan: QueryPlan) -> PlanCacheInfo:
        """Once per plan: each fetch's TTL, scope, key prefix and tag paths."""
        analyzer = state.cache_analyzer
        if analyzer is None:
            assert self.entity_cache is not None
            cfg = self.entity_cache.config
            analyzer = Analyzer(state.supergraph, CacheHints(state.supergraph, cfg.ttl, cfg.default_ttl), cfg)
            state.cache_analyzer = analyzer
        entry.cache = analyzer.plan(plan)
        return entry.cache


def _access_json(access: AccessKey | None) -> dict[str, Any] | None:
    if access is None:
        return None
    return {
        "authenticated": access.authenticated,
        "scopes": sorted(access.scopes),
        "policies": sorted(access.policies),
    }


def _access_from_json(rules: AccessRules, raw: Any) -> AccessKey | None:
    """An origin's access key for `rules` (a new schema may ask about other scopes, or none)."""
    if not rules.fields:
        return None
    if not isinstance(raw, dict):
        return rules.anonymous
    return rules.key(
        bool(raw.get("authenticated")), frozenset(raw.get("scopes") or ()), frozenset(raw.get("policies") or ())
    )
