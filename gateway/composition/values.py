"""Building and comparing GraphQL literal values (graphql-core AST nodes)."""

from __future__ import annotations

from graphql.language import (
    BooleanValueNode,
    EnumValueNode,
    IntValueNode,
    ListValueNode,
    StringValueNode,
    ValueNode,
    print_ast,
)


def string(value: str) -> StringValueNode:
    return StringValueNode(value=value)


def boolean(value: bool) -> BooleanValueNode:
    return BooleanValueNode(value=value)


def enum(value: str) -> EnumValueNode:
    return EnumValueNode(value=value)


def integer(value: int) -> IntValueNode:
    return IntValueNode(value=str(value))


def listing(values: list[ValueNode]) -> ListValueNode:
    return ListValueNode(values=tuple(values))


def same(a: ValueNode | None, b: ValueNode | None) -> bool:
    if a is None or b is None:
        return a is b
    return print_ast(a) == print_ast(b)


def to_python(node: ValueNode | None) -> object:
    if node is None:
        return None
    if isinstance(node, ListValueNode):
        return [to_python(v) for v in node.values]
    if isinstance(node, IntValueNode):
        return int(node.value)
    return getattr(node, "value", None)


def from_python(value: object) -> ValueNode:
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, list):
        return listing([from_python(v) for v in value])
    return string(str(value))
