"""The planner's front door: (schema, document, operation name, condition values, override labels)
-> `QueryPlan`.

`QueryPlanner` is one schema's planner. It owns what turns a valid document into a plan: selecting
the operation, normalising it (fragments merged, `@skip`/`@include` evaluated), filtering it by what
the caller may see, sampling progressive-override labels, planning, and the plan cache (in process,
and the optional plan store in Redis that other processes share). A plan is computed once per key:
(document hash, operation name, condition values, labels, access key).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, OperationDefinitionNode

from gateway.auth.filter import filter_fields
from gateway.auth.rules import AccessKey, AccessRules
from gateway.cache.plans import PlanStore, plan_digest
from gateway.operation import DocumentCache, PreparedDocument, select_operation
from gateway.plan.nodes import QueryPlan
from gateway.plan.operation import Operation
from gateway.plan.serialize import from_json, to_json
from gateway.planner.cache import PlanCache
from gateway.planner.labels import sample_labels
from gateway.planner.normalize import Normalizer, condition_values
from gateway.planner.walk import Planner
from gateway.supergraph.join import Supergraph

PlanKey = tuple[Hashable, ...]
# An origin read back: document, operation, condition variables, plan key, labels, access.
_Fixed = tuple[PreparedDocument, OperationDefinitionNode, dict[str, Any], PlanKey, frozenset[str], AccessKey | None]
# Demand control's say, per request, before a plan is built: False refuses the request (an
# operation over budget costs a normalisation, never a plan).
Admit = Callable[[Operation], bool]


class Planned:
    """A plan cache entry: the normalised operation and, once a request needed it, its plan.
    `origin` is what it was planned from (document text, operation, condition variables, labels,
    access): to plan it again on a new schema, or prime another process from the plan store."""

    __slots__ = ("_build", "flushed", "operation", "origin", "plan", "uses")

    def __init__(
        self,
        operation: Operation,
        origin: dict[str, Any],
        plan: QueryPlan | None = None,
        build: Callable[[], QueryPlan] | None = None,
    ) -> None:
        self.operation = operation
        self.origin = origin
        self.plan = plan
        self._build = build
        self.uses = 0  # requests served (ranks the hottest operations)
        self.flushed = 0  # uses already reported to the plan store

    def ensure_plan(self) -> QueryPlan:
        if self.plan is None:
            assert self._build is not None
            self.plan = self._build()
            self._build = None
        return self.plan

    def payload(self) -> dict[str, Any]:
        plan = self.ensure_plan()
        return {
            **self.origin,
            "plan": to_json(plan.node) if plan.node is not None else None,
            "localFields": list(plan.local_fields),
        }


class QueryPlanner:
    def __init__(
        self,
        supergraph: Supergraph,
        api_schema: GraphQLSchema,
        documents: DocumentCache,
        access: AccessRules | None = None,
        cache_size: int = 2048,
    ) -> None:
        self.supergraph = supergraph
        self.api_schema = api_schema
        self.documents = documents
        self.access = access if access is not None else AccessRules()
        self.walk = Planner(supergraph, api_schema)
        self.cache: PlanCache[Planned] = PlanCache(cache_size)
        # The schema's progressive-override labels: the `percent(N)` ones are sampled per request.
        self.override_labels = frozenset(
            r.override_label for recs in supergraph.fields.values() for r in recs if r.override_label
        )

    # ------------------------------------------------------------ the front door
    def plan(
        self,
        document: PreparedDocument,
        operation_name: str | None,
        variables: Mapping[str, Any],
        labels: frozenset[str] = frozenset(),
        access: AccessKey | None = None,
        admit: Admit | None = None,
    ) -> QueryPlan | None:
        """The plan of `document`'s operation for these condition values (only the `@skip`/
        `@include` variables of `variables` are read), with the override labels `labels` enabled
        (plus the schema's percentage labels, sampled), for a caller with `access` (None: the
        schema has no access rules). None when `admit` refuses the operation.

        Raises RequestError (unknown operation, too many fields) and PlanningError."""
        operation = select_operation(document, operation_name)
        key, active = self._key(document, operation, variables, labels, access)
        entry = self.cache.get_or_compute(
            key, lambda: self._normalise(document, operation, variables, active, access)
        )
        entry.uses += 1
        if admit is not None and not admit(entry.operation):
            return None
        return entry.plan or entry.ensure_plan()

    async def plan_async(
        self,
        store: PlanStore,
        document: PreparedDocument,
        operation_name: str | None,
        variables: Mapping[str, Any],
        labels: frozenset[str] = frozenset(),
        access: AccessKey | None = None,
        admit: Admit | None = None,
    ) -> QueryPlan | None:
        """`plan`, with a plan store: an in-process miss asks Redis before planning, and shares
        what it planned."""
        operation = select_operation(document, operation_name)
        key, active = self._key(document, operation, variables, labels, access)

        async def compute() -> Planned:
            digest = plan_digest(key)
            payload = await store.get(self.supergraph.id, digest)
            if payload is not None:
                stored = self._from_payload(document, operation, variables, active, access, payload)
                if stored is not None:
                    return stored
            entry = self._normalise(document, operation, variables, active, access)
            if admit is None or admit(entry.operation):  # one refused over budget is not worth sharing
                entry.ensure_plan()
                store.put(self.supergraph.id, digest, entry.payload())
            return entry

        entry = await self.cache.get_or_compute_async(key, compute)
        entry.uses += 1
        if admit is not None and not admit(entry.operation):
            return None
        return entry.plan or entry.ensure_plan()

    # ------------------------------------------------------------ keys
    def _key(
        self,
        document: PreparedDocument,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        labels: frozenset[str],
        access: AccessKey | None,
    ) -> tuple[PlanKey, frozenset[str]]:
        # (the common schema has no override labels: no call to sample them)
        active = sample_labels(self.override_labels, labels) if self.override_labels else labels
        names = document.condition_variables
        conditions = condition_values(names, variables) if names else ()
        op_name = operation.name.value if operation.name else None
        return (document.hash, op_name, conditions, active, access), active

    # ------------------------------------------------------------ planning
    def _normalise(
        self,
        document: PreparedDocument,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        labels: frozenset[str],
        access: AccessKey | None,
        plan: QueryPlan | None = None,
    ) -> Planned:
        """Normalise the client's fields and filter them by access; the plan is built when a
        request first needs it (or is `plan`, already made for them by another process)."""
        root = self.api_schema.get_root_type(operation.operation)
        assert isinstance(root, GraphQLObjectType)
        fields = Normalizer(
            self.api_schema, document.fragments, variables, self.documents.limits.max_fields
        ).fields(root, [operation.selection_set])
        filtered = filter_fields(fields, self.access, access) if access is not None else None
        plan_fields, shape_fields = (fields, fields) if filtered is None else (filtered.plan_fields, filtered.shape_fields)
        op_name = operation.name.value if operation.name else None
        normalised = Operation(
            kind=operation.operation.value,
            name=op_name,
            text=document.text,
            fields=shape_fields,
            plan_fields=plan_fields,
            errors=filtered.errors if filtered else (),
            definition=operation,
            fragments=document.fragments,
        )
        origin = {
            "query": document.text,
            "operationName": op_name,
            "conditions": {n: variables.get(n) is True for n in document.condition_variables},
            "labels": sorted(labels),
            "access": _access_json(access),
        }
        if plan is not None:
            return Planned(normalised, origin, QueryPlan(plan.node, plan.local_fields, normalised))

        def build() -> QueryPlan:
            if not plan_fields:  # nothing left to ask: no fetch (a denied mutation runs nothing)
                return QueryPlan(None, (), normalised)
            walked = self.walk.plan(operation, root, plan_fields, labels)
            return QueryPlan(walked.node, walked.local_fields, normalised)

        return Planned(normalised, origin, build=build)

    def _from_payload(
        self,
        document: PreparedDocument,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        labels: frozenset[str],
        access: AccessKey | None,
        payload: dict[str, Any],
    ) -> Planned | None:
        try:
            node = payload.get("plan")
            plan = QueryPlan(from_json(node) if node else None, tuple(payload.get("localFields", ())))
        except (KeyError, TypeError, ValueError):
            return None  # written by another version: plan again
        return self._normalise(document, operation, variables, labels, access, plan)

    # ------------------------------------------------------------ another schema, another process
    def _fixed(self, origin: dict[str, Any]) -> _Fixed | None:
        """An origin's document, operation, condition variables and the key it was planned under:
        its labels and access, not a new request's."""
        document = self.documents.get(origin["query"])
        if document.errors:
            return None  # not valid against this schema: clients will hear why when they ask
        operation = select_operation(document, origin.get("operationName"))
        variables = dict(origin.get("conditions") or {})
        labels = frozenset(origin.get("labels") or ())
        access = _access_from_json(self.access, origin.get("access"))
        op_name = operation.name.value if operation.name else None
        conditions = condition_values(document.condition_variables, variables)
        return document, operation, variables, (document.hash, op_name, conditions, labels, access), labels, access

    def replan(self, origin: dict[str, Any]) -> tuple[PlanKey, Planned] | None:
        """Plan an operation again from its origin (a reload, or a warm start)."""
        fixed = self._fixed(origin)
        if fixed is None:
            return None
        document, operation, variables, key, labels, access = fixed
        entry = self._normalise(document, operation, variables, labels, access)
        entry.ensure_plan()
        return key, entry

    def prime(self, origins: list[dict[str, Any]]) -> int:
        """Put plans for these operations into the cache; how many were planned."""
        done = 0
        for origin in origins:
            try:
                made = self.replan(origin)
            except Exception:  # an operation this schema cannot plan: skip it
                continue
            if made is not None:
                self.cache.put(*made)
                done += 1
        return done

    async def warm_from_store(self, store: PlanStore, limit: int = 200) -> int:
        """A new process: plan the hottest operations of this schema from the plan store (their
        stored plans, no planning), before it serves."""
        done = 0
        for _, payload in await store.hottest(self.supergraph.id, limit):
            try:
                fixed = self._fixed(payload)
                if fixed is None:
                    continue
                document, operation, variables, key, labels, access = fixed
                entry = self._from_payload(document, operation, variables, labels, access, payload)
            except Exception:  # a stale or foreign entry: skip it
                continue
            if entry is not None:
                self.cache.put(key, entry)
                done += 1
        if done:
            store.stats.request("plan", "hit", done)
        return done

    def hottest_origins(self, limit: int) -> list[dict[str, Any]]:
        for _ in range(3):  # the loop may touch the LRU while a reload thread reads it
            try:
                entries = list(self.cache.values())
                break
            except RuntimeError:
                continue
        else:
            return []
        entries.sort(key=lambda e: e.uses, reverse=True)
        return [e.origin for e in entries[:limit] if e.origin]

    def flush_uses(self, store: PlanStore) -> None:
        """Report use counts since the last flush to the plan store's ranking."""
        uses: dict[str, int] = {}
        for key, entry in self.cache.items():
            delta = entry.uses - entry.flushed
            if delta > 0:
                uses[plan_digest(key)] = delta
                entry.flushed = entry.uses
        store.record_use(self.supergraph.id, uses)


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
