"""Plan trees as JSON, in the shape Apollo's query plans use (so the two can be compared)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from gateway.plan.nodes import (
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    RepField,
    RepFragment,
    RepSelection,
    Sequence,
    Subscription,
)
from gateway.plan.operation_json import operation_from_json, operation_to_json


def _rep_to_json(s: RepSelection) -> dict[str, Any]:
    if isinstance(s, RepField):
        d: dict[str, Any] = {"kind": "Field", "name": s.name}
        if s.source_key and s.source_key != s.name:
            d["alias"] = s.source_key
        if s.selections:
            d["selections"] = [_rep_to_json(x) for x in s.selections]
        return d
    d = {
        "kind": "InlineFragment",
        "typeCondition": s.type_condition,
        "appliesTo": sorted(s.applies_to),
        "selections": [_rep_to_json(x) for x in s.selections],
    }
    if s.typename_as:
        d["typenameAs"] = s.typename_as
    if s.key_fields:
        d["keyFields"] = list(s.key_fields)
    return d


def _rep_from_json(d: dict[str, Any]) -> RepSelection:
    if d["kind"] == "Field":
        sels = d.get("selections")
        return RepField(d["name"], tuple(_rep_from_json(x) for x in sels) if sels else None, d.get("alias"))
    return RepFragment(
        d["typeCondition"],
        frozenset(d["appliesTo"]),
        tuple(_rep_from_json(x) for x in d["selections"]),
        d.get("typenameAs"),
        tuple(d.get("keyFields", ())),
    )


def to_json(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, Fetch):
        d: dict[str, Any] = {
            "kind": "Fetch",
            "serviceName": node.service,
            "graph": node.graph,
            "variableUsages": list(node.variable_usages),
            "operation": node.operation,
            "operationKind": node.operation_kind,
            "operationName": node.operation_name,
            "id": node.id,
        }
        if node.requires is not None:
            d["requires"] = [_rep_to_json(r) for r in node.requires]
        if node.renames:
            d["outputRewrites"] = [{"path": list(p), "alias": a, "key": k} for p, a, k in node.renames]
        return d
    if isinstance(node, Flatten):
        return {"kind": "Flatten", "path": list(node.path), "node": to_json(node.node)}
    if isinstance(node, Subscription):
        return {
            "kind": "Subscription",
            "primary": to_json(node.primary),
            "rest": to_json(node.rest) if node.rest is not None else None,
        }
    kind = "Sequence" if isinstance(node, Sequence) else "Parallel"
    return {"kind": kind, "nodes": [to_json(n) for n in node.nodes]}


def from_json(d: dict[str, Any]) -> PlanNode:
    kind = d["kind"]
    if kind == "Fetch":
        req = d.get("requires")
        return Fetch(
            service=d["serviceName"],
            graph=d["graph"],
            operation=d["operation"],
            operation_kind=d["operationKind"],
            operation_name=d.get("operationName"),
            variable_usages=tuple(d.get("variableUsages", ())),
            requires=tuple(_rep_from_json(r) for r in req) if req is not None else None,  # type: ignore[misc]
            id=d.get("id", 0),
            renames=tuple((tuple(r["path"]), r["alias"], r["key"]) for r in d.get("outputRewrites", ())),
        )
    if kind == "Flatten":
        return Flatten(tuple(d["path"]), from_json(d["node"]))  # type: ignore[arg-type]
    if kind == "Subscription":
        rest = d.get("rest")
        return Subscription(from_json(d["primary"]), from_json(rest) if rest else None)  # type: ignore[arg-type]
    nodes = tuple(from_json(n) for n in d["nodes"])
    return Sequence(nodes) if kind == "Sequence" else Parallel(nodes)


def plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    return {"kind": "QueryPlan", "node": to_json(plan.node) if plan.node else None}


def query_plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    """`plan_to_json` (what `charter plan --json` prints) with everything else executing it needs."""
    out = plan_to_json(plan)
    out["localFields"] = list(plan.local_fields)
    out["operation"] = operation_to_json(plan.operation) if plan.operation is not None else None
    return out


def query_plan_from_json(data: dict[str, Any], schema: GraphQLSchema) -> QueryPlan:
    if data.get("kind") != "QueryPlan":
        raise ValueError("not a query plan")
    node = data.get("node")
    operation = data.get("operation")
    return QueryPlan(
        from_json(node) if node else None,
        tuple(data.get("localFields", ())),
        operation_from_json(operation, schema) if operation is not None else None,
    )
