"""Normalisation: the client's operation -> the field tree of `gateway.plan.fields` (fragments
merged, `@skip`/`@include` evaluated for one set of condition values). Computed once per plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.language import DirectiveNode, print_ast

from gateway.errors import RequestError
from gateway.plan.fields import NField, unwrap


def _condition(directives: tuple[DirectiveNode, ...] | None, variables: Mapping[str, Any]) -> bool:
    """Whether a selection is included under @skip/@include."""
    for d in directives or ():
        name = d.name.value
        if name not in ("skip", "include"):
            continue
        value: Any = True
        for a in d.arguments or ():
            if a.name.value == "if":
                v = a.value
                value = variables.get(v.name.value) if isinstance(v, VariableNode) else getattr(v, "value", False)
        if name == "skip" and value is True:
            return False
        if name == "include" and value is not True:
            return False
    return True


class Normalizer:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_fields: int = 1_000_000,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.budget = max_fields
        self._memo: dict[tuple[str, tuple[int, ...]], list[NField]] = {}

    def _applies(self, type_condition: str | None, runtime: GraphQLObjectType) -> bool:
        if type_condition is None or type_condition == runtime.name:
            return True
        cond = self.schema.get_type(type_condition)
        return isinstance(cond, GraphQLAbstractType) and self.schema.is_sub_type(cond, runtime)  # type: ignore[arg-type]

    def _collect(
        self,
        runtime: GraphQLObjectType,
        selection_sets: list[SelectionSetNode],
        out: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        """`visited` is shared by the whole collection (as graphql-core's collect_fields does): a
        fragment spread twice merges the same fields, so it is expanded once, not once per path."""
        for ss in selection_sets:
            for s in ss.selections:
                if not _condition(s.directives, self.variables):
                    continue
                if isinstance(s, FieldNode):
                    key = s.alias.value if s.alias else s.name.value
                    out.setdefault(key, []).append(s)
                elif isinstance(s, InlineFragmentNode):
                    cond = s.type_condition.name.value if s.type_condition else None
                    if self._applies(cond, runtime):
                        self._collect(runtime, [s.selection_set], out, visited)
                elif isinstance(s, FragmentSpreadNode):
                    name = s.name.value
                    frag = self.fragments.get(name)
                    if frag is None or name in visited:
                        continue
                    visited.add(name)
                    if self._applies(frag.type_condition.name.value, runtime):
                        self._collect(runtime, [frag.selection_set], out, visited)

    def fields(self, runtime: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[NField]:
        # The same selection sets on the same type give the same fields: computed once and shared
        # (an interface with hundreds of implementations selects the same sub-objects for each).
        memo_key = (runtime.name, tuple(id(ss) for ss in selection_sets))
        cached = self._memo.get(memo_key)
        if cached is None:
            cached = self._memo[memo_key] = self._fields(runtime, selection_sets)
        return cached

    def _fields(self, runtime: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[NField]:
        grouped: dict[str, list[FieldNode]] = {}
        self._collect(runtime, selection_sets, grouped, set())
        self.budget -= len(grouped)
        if self.budget < 0:
            raise RequestError("The operation is too complex: it selects too many fields once fragments are expanded.")
        result: list[NField] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                result.append(NField(key, name, runtime.name, nodes, None, "String", False, True, ""))
                continue
            fdef = runtime.fields.get(name)
            if fdef is None:
                if name in ("__schema", "__type"):
                    result.append(NField(key, name, runtime.name, nodes, None, name, False, True, ""))
                    continue
                raise RequestError(f'Cannot query field "{name}" on type "{runtime.name}".')
            named = unwrap(fdef.type)
            args = ""
            if nodes[0].arguments:
                args = "(" + ", ".join(print_ast(a) for a in nodes[0].arguments) + ")"
            nf = NField(
                key, name, runtime.name, nodes, fdef.type, named.name, is_abstract_type(named),
                is_leaf_type(named), args,
            )
            if not nf.leaf:
                subsets = [n.selection_set for n in nodes if n.selection_set is not None]
                possible = (
                    self.schema.get_possible_types(named)  # type: ignore[arg-type]
                    if nf.abstract
                    else [named]
                )
                for obj in possible:
                    nf.children[obj.name] = self.fields(obj, subsets)  # type: ignore[arg-type]
            result.append(nf)
        return result


def condition_values(names: tuple[str, ...], variables: Mapping[str, Any]) -> tuple[bool, ...]:
    """The plan-relevant part of the variables: the value of each @skip/@include variable."""
    return tuple(variables.get(n) is True for n in names)
