"""Query plans printed readably (the shape of Apollo's query plan printer)."""

from __future__ import annotations

from graphql import parse, print_ast

from gateway.plan.nodes import (
    Fetch,
    Flatten,
    PlanNode,
    QueryPlan,
    RepField,
    RepSelection,
    Sequence,
    Subscription,
)


def _rep_to_str(sel: tuple[RepSelection, ...]) -> str:
    parts = []
    for s in sel:
        if isinstance(s, RepField):
            parts.append(s.name + (" { " + _rep_to_str(s.selections) + " }" if s.selections else ""))
        else:
            parts.append(f"... on {s.type_condition} {{ {_rep_to_str(s.selections)} }}")
    return " ".join(parts)


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
