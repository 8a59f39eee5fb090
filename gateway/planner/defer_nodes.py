"""The plan nodes of incremental delivery (`@defer`), in the shape of Apollo's DeferNode.

`Defer { Primary { node }, [Deferred(...) { node }, ...] }`: the primary part is planned and sent
first; each `Deferred` part runs once the fetches it `depends` on are done and is delivered at
`path` (the response keys to the deferred fragment's objects, "@" for every list element). A
`Deferred` whose fragment is fetched with its parent has no node; one with nested deferred
fragments has a `Defer` node of its own. These nodes are defined apart from the others (which
`gateway.planner.nodes` holds, with their JSON and printing) only to keep that module small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.planner.nodes import PlanNode


@dataclass(frozen=True)
class Deferred:
    id: int  # the fragment's place in the operation (the executor's key to its fields)
    depends: tuple[int, ...]  # ids of the fetches whose results this part starts from
    path: tuple[str, ...]  # response keys from the root to the fragment's objects; "@" = list elements
    label: str | None
    type_condition: str  # the runtime object type the fragment applies to
    subselection: str  # what the part delivers, as GraphQL (for reading plans)
    node: PlanNode | None  # None: fetched with its parent, delivered on its own


@dataclass(frozen=True)
class Defer:
    primary: PlanNode | None
    deferred: tuple[Deferred, ...]


def defer_to_json(node: Defer, to_json: Callable[[PlanNode], dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "Defer",
        "primary": {"node": to_json(node.primary) if node.primary is not None else None},
        "deferred": [
            {
                "id": d.id,
                "depends": [{"id": str(i)} for i in d.depends],
                "queryPath": list(d.path),
                "label": d.label,
                "typeCondition": d.type_condition,
                "subselection": d.subselection,
                "node": to_json(d.node) if d.node is not None else None,
            }
            for d in node.deferred
        ],
    }


def defer_from_json(d: dict[str, Any], from_json: Callable[[dict[str, Any]], PlanNode]) -> Defer:
    primary = d["primary"].get("node")
    return Defer(
        from_json(primary) if primary else None,
        tuple(
            Deferred(
                id=int(x["id"]),
                depends=tuple(int(dep["id"]) for dep in x["depends"]),
                path=tuple(x["queryPath"]),
                label=x.get("label"),
                type_condition=x["typeCondition"],
                subselection=x.get("subselection", ""),
                node=from_json(x["node"]) if x.get("node") else None,
            )
            for x in d["deferred"]
        ),
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


def format_defer(node: Defer, format_node: Callable[[PlanNode], str]) -> str:
    primary = format_node(node.primary) if node.primary is not None else ""
    parts = []
    for d in node.deferred:
        # Printed as Apollo prints it: response keys only, list levels implied.
        path = "/".join(step for step in d.path if step != "@")
        head = f'Deferred(depends: [{", ".join(map(str, d.depends))}], path: "{path}"'
        head += f', label: "{d.label}")' if d.label is not None else ")"
        body = d.subselection + ":" + ("\n" + format_node(d.node) if d.node is not None else "")
        parts.append(f"{head} {{\n{_indent(body)}\n}},")
    inner = "Primary {\n" + _indent(primary) + "\n}, [\n" + _indent("\n".join(parts)) + "\n]"
    return "Defer {\n" + _indent(inner) + "\n}"
