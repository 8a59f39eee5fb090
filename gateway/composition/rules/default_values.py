"""Default values must fit their types (GraphQL's own rule; Apollo checks it per subgraph)."""

from __future__ import annotations

from graphql.language import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    print_ast,
)

from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import Subgraph

_SCALARS: dict[str, tuple[type, ...]] = {
    "Int": (IntValueNode,),
    "Float": (IntValueNode, FloatValueNode),
    "String": (StringValueNode,),
    "ID": (StringValueNode, IntValueNode),
    "Boolean": (BooleanValueNode,),
}


def _fits(sub: Subgraph, value: ValueNode, type_node: TypeNode) -> bool:
    if isinstance(type_node, NonNullTypeNode):
        return not isinstance(value, NullValueNode) and _fits(sub, value, type_node.type)
    if isinstance(value, NullValueNode):
        return True
    if isinstance(type_node, ListTypeNode):
        items = value.values if isinstance(value, ListValueNode) else (value,)
        return all(_fits(sub, v, type_node.type) for v in items)
    assert isinstance(type_node, NamedTypeNode)
    name = type_node.name.value
    if name in _SCALARS:
        return isinstance(value, _SCALARS[name])
    t = sub.types.get(name)
    if t is None:
        return True  # unknown types are reported elsewhere
    if t.kind == "enum":
        return isinstance(value, EnumValueNode) and value.value in t.values
    if t.kind == "input":
        if not isinstance(value, ObjectValueNode):
            return False
        given = {f.name.value: f.value for f in value.fields}
        if any(n not in t.fields for n in given):
            return False
        # A required field left out is accepted, as Apollo's check does (unlike GraphQL's
        # coercion rules): only the fields given are checked.
        return all(_fits(sub, v, t.fields[n].type) for n, v in given.items())
    return True  # custom scalars accept any literal


def check_defaults(sub: Subgraph, sink: ErrorSink) -> None:
    def check(kind: str, coordinate: str, type_node: TypeNode, default: ValueNode | None) -> None:
        if default is not None and not _fits(sub, default, type_node):
            sink.error(
                "INVALID_GRAPHQL",
                f"[{sub.name}] Invalid default value (got: {print_ast(default)}) provided for {kind} {coordinate} of type {print_ast(type_node)}.",
                sub.name,
                coordinate,
            )

    for t in sub.types.values():
        for f in t.fields.values():
            if t.kind == "input":
                check("input field", f.coordinate, f.type, f.default)
            for a in f.args.values():
                check("argument", f"{f.coordinate}({a.name}:)", a.type, a.default)
    for d in sub.directive_defs.values():
        for a in d.args.values():
            check("argument", f"@{d.name}({a.name}:)", a.type, a.default)


def check_default_values(ctx: CompositionContext) -> None:
    for sub in ctx.subs:
        check_defaults(sub, ctx.sink)
