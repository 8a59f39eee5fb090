"""Canonical form of a supergraph SDL for comparison: every list whose order carries no meaning
(definitions, fields, arguments, enum values, members, interfaces, directive applications and their
arguments, directive locations) is sorted, and the result printed with graphql-core."""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from graphql import parse, print_ast
from graphql.language import DocumentNode, Node


def _name(node: Any) -> str:
    name = getattr(node, "name", None)
    return getattr(name, "value", "") if name is not None else ""


def _sort(node: Any) -> Any:
    if isinstance(node, tuple):
        return tuple(_sort(n) for n in node)
    if not isinstance(node, Node):
        return node
    changes: dict[str, Any] = {}
    for key in node.keys:
        if key == "loc":
            continue
        value = getattr(node, key, None)
        value = _sort(value)
        if isinstance(value, tuple) and key in (
            "fields",
            "arguments",
            "values",
            "types",
            "interfaces",
            "locations",
            "directives",
            "definitions",
            "operation_types",
        ):
            parent_is_value = key in ("fields", "values") and type(node).__name__ in (
                "ObjectValueNode",
                "ListValueNode",
            )
            if not parent_is_value:
                value = tuple(
                    sorted(
                        value,
                        key=lambda n: (
                            type(n).__name__,
                            _name(n),
                            print_ast(n) if isinstance(n, Node) else str(n),
                        ),
                    )
                )
        changes[key] = value
    changes["loc"] = None
    return replace(node, **changes) if False else type(node)(**changes)


def normalize(sdl: str) -> str:
    doc: DocumentNode = parse(sdl, no_location=True)
    return print_ast(_sort(doc))


def diff(ours: str, theirs: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            normalize(theirs).splitlines(),
            normalize(ours).splitlines(),
            "apollo",
            "ours",
            lineterm="",
            n=2,
        )
    )
