"""Type references across subgraphs: equality and the subtyping Apollo allows when merging
(`T!` within `T`, lists of subtypes, union members, interface implementations)."""

from __future__ import annotations

from collections.abc import Callable

from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast

# (supertype name, maybe-subtype name) -> is the second a member/implementation of the first?
DirectRelation = Callable[[str, str], bool]


def same_type(a: TypeNode, b: TypeNode) -> bool:
    return print_ast(a) == print_ast(b)


def is_strict_subtype(t: TypeNode, s: TypeNode, direct: DirectRelation) -> bool:
    """Is `s` a strict subtype of `t`?"""
    if isinstance(s, NonNullTypeNode):
        if isinstance(t, NonNullTypeNode):
            return is_strict_subtype(t.type, s.type, direct)
        return same_type(t, s.type) or is_strict_subtype(t, s.type, direct)
    if isinstance(t, NonNullTypeNode):
        return False
    if isinstance(t, ListTypeNode) and isinstance(s, ListTypeNode):
        return is_strict_subtype(t.type, s.type, direct)
    if isinstance(t, NamedTypeNode) and isinstance(s, NamedTypeNode):
        return t.name.value != s.name.value and direct(t.name.value, s.name.value)
    return False
