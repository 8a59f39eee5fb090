"""DEFAULT_VALUE_USES_INACCESSIBLE: a default value in the API schema (of an argument or input
field that is not itself @inaccessible) may not use an @inaccessible enum value or input field."""

from __future__ import annotations

from graphql.language import (
    EnumValueNode,
    ListValueNode,
    ObjectValueNode,
    TypeNode,
    ValueNode,
)

from ..context import CompositionContext
from ..model import Applied, named_type


def _hidden(directives: list[Applied]) -> bool:
    return any(d.name == "inaccessible" for d in directives)


def check_default_value_inaccessible(ctx: CompositionContext) -> None:
    types = ctx.out.types

    def uses(value: ValueNode, type_node: TypeNode) -> list[str]:
        """Messages' first halves for each @inaccessible element the value uses."""
        if isinstance(value, ListValueNode):
            return [u for v in value.values for u in uses(v, type_node)]
        t = types.get(named_type(type_node))
        if t is None:
            return []
        if t.kind == "enum" and isinstance(value, EnumValueNode):
            v = t.values.get(value.value)
            return [f'Enum value "{t.name}.{v.name}"'] if v and _hidden(v.directives) else []
        if t.kind == "input" and isinstance(value, ObjectValueNode):
            out = []
            for item in value.fields:
                f = t.fields.get(item.name.value)
                if f is None:
                    continue
                if _hidden(f.directives):
                    out.append(f'Input field "{f.coordinate}"')
                out += uses(item.value, f.type)
            return out
        return []

    def check(coordinate: str, type_node: TypeNode, default: ValueNode | None) -> None:
        if default is None:
            return
        for used in uses(default, type_node):
            ctx.sink.error(
                "DEFAULT_VALUE_USES_INACCESSIBLE",
                f'{used} is @inaccessible but is used in the default value of "{coordinate}", which is in the API schema.',
                None,
                coordinate,
            )

    for t in types.values():
        if _hidden(t.directives):
            continue
        for f in t.fields.values():
            if _hidden(f.directives):
                continue
            if t.kind == "input":
                check(f.coordinate, f.type, f.default)
            for a in f.args.values():
                if not _hidden(a.directives):
                    check(f"{f.coordinate}({a.name}:)", a.type, a.default)
