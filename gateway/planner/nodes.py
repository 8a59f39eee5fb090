"""The query plan: a tree of Sequence / Parallel / Flatten / Fetch nodes (a Subscription at the root
of a subscription's plan, a Defer at the root of an operation delivered incrementally: see
`gateway.planner.defer_nodes`).

It is the only thing the planner and the executor share. Nodes are frozen, serialise to JSON (in
the shape Apollo's query plans use, so the two can be compared) and print readably.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from graphql import parse, print_ast

from gateway.planner.defer_nodes import Defer, defer_from_json, defer_to_json, format_defer


@dataclass(frozen=True)
class RepField:
    """A field copied from the response into a representation."""

    name: str  # the key in the representation (the field's name)
    selections: tuple[RepSelection, ...] | None = None
    source_key: str | None = None  # where the value sits in the merged data, when not `name`

    @property
    def key(self) -> str:
        return self.source_key or self.name


@dataclass(frozen=True)
class RepFragment:
    """`... on T { ... }` in a representation selection: applies to objects whose __typename is in
    `applies_to`; `typename_as` rewrites their __typename (an @interfaceObject expects the interface)."""

    type_condition: str
    applies_to: frozenset[str]
    selections: tuple[RepSelection, ...]
    typename_as: str | None = None
    key_fields: tuple[str, ...] = ()  # a representation with one of these null or missing is not sent


RepSelection: TypeAlias = RepField | RepFragment


@dataclass(frozen=True)
class Fetch:
    service: str
    graph: str
    operation: str
    operation_kind: str  # "query" | "mutation"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[RepFragment, ...] | None = None  # None: a root fetch
    id: int = 0
    # (path of response keys, alias, key): fields the subgraph answers under a gateway alias
    # (same key, different types in sibling fragments) moved back to their key after the fetch.
    renames: tuple[tuple[tuple[str, ...], str, str], ...] = ()

    @property
    def is_entity_fetch(self) -> bool:
        return self.requires is not None


@dataclass(frozen=True)
class Flatten:
    path: tuple[str, ...]  # response keys; "@" steps into every element of a list
    node: Fetch


@dataclass(frozen=True)
class Sequence:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Parallel:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Subscription:
    """A subscription's plan, as Apollo's SubscriptionNode: `primary` opens the event stream (one
    root field, one subgraph or one event source); `rest` runs once per event, on that event's data
    as the response of `primary` (entity fetches for the fields other subgraphs serve)."""

    primary: Fetch
    rest: PlanNode | None = None


PlanNode: TypeAlias = Fetch | Flatten | Sequence | Parallel | Subscription | Defer


@dataclass(frozen=True)
class QueryPlan:
    node: PlanNode | None
    # Root fields the gateway answers itself (introspection): their response keys.
    local_fields: tuple[str, ...] = ()

    @property
    def fetch_count(self) -> int:
        """How many subgraph requests (at most) the plan makes."""
        return _count_fetches(self.node)


def _count_fetches(node: PlanNode | None) -> int:
    if node is None:
        return 0
    if isinstance(node, Fetch | Flatten):
        return 1
    if isinstance(node, Subscription):
        return 1 + _count_fetches(node.rest)
    if isinstance(node, Defer):
        return _count_fetches(node.primary) + sum(_count_fetches(d.node) for d in node.deferred)
    return sum(_count_fetches(n) for n in node.nodes)


# ------------------------------------------------------------------ JSON


def _rep_to_str(sel: tuple[RepSelection, ...]) -> str:
    parts = []
    for s in sel:
        if isinstance(s, RepField):
            parts.append(s.name + (" { " + _rep_to_str(s.selections) + " }" if s.selections else ""))
        else:
            parts.append(f"... on {s.type_condition} {{ {_rep_to_str(s.selections)} }}")
    return " ".join(parts)


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
    if isinstance(node, Defer):
        return defer_to_json(node, to_json)
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
    if kind == "Defer":
        return defer_from_json(d, from_json)
    if kind == "Subscription":
        rest = d.get("rest")
        return Subscription(from_json(d["primary"]), from_json(rest) if rest else None)  # type: ignore[arg-type]
    nodes = tuple(from_json(n) for n in d["nodes"])
    return Sequence(nodes) if kind == "Sequence" else Parallel(nodes)


def plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    return {"kind": "QueryPlan", "node": to_json(plan.node) if plan.node else None}


# ------------------------------------------------------------------ printing


def _indent(text: str, n: int) -> str:
    pad = "  " * n
    return "\n".join(pad + line if line else line for line in text.splitlines())


def _pretty_operation(op: str) -> str:
    try:
        return print_ast(parse(op, no_location=True))
    except Exception:  # printing must never fail; show what we have
        return op


def format_node(node: PlanNode) -> str:
    if isinstance(node, Fetch):
        body = ""
        if node.requires is not None:
            body += "{\n" + _indent(_rep_to_str(node.requires), 1) + "\n} =>\n"
        body += _pretty_operation(node.operation)
        return f'Fetch(service: "{node.service}") {{\n{_indent(body, 1)}\n}}'
    if isinstance(node, Flatten):
        return f'Flatten(path: "{".".join(node.path)}") {{\n{_indent(format_node(node.node), 1)}\n}}'
    if isinstance(node, Defer):
        return format_defer(node, format_node)
    if isinstance(node, Subscription):
        inner = "Primary: {\n" + _indent(format_node(node.primary), 1) + "\n}"
        if node.rest is not None:
            inner += ",\nRest: {\n" + _indent(format_node(node.rest), 1) + "\n}"
        return f"Subscription {{\n{_indent(inner, 1)}\n}}"
    kind = "Sequence" if isinstance(node, Sequence) else "Parallel"
    inner = ",\n".join(format_node(n) for n in node.nodes)
    return f"{kind} {{\n{_indent(inner, 1)}\n}}"


def format_plan(plan: QueryPlan) -> str:
    if plan.node is None:
        return "QueryPlan {}"
    return "QueryPlan {\n" + _indent(format_node(plan.node), 1) + "\n}"
