"""The client's operation as a tree of fields per runtime type, fragments and conditions resolved.

Planner and response shaping share this tree: for every field it holds the response key, the
arguments, and, for fields of composite type, the fields to return for each possible object type
(named, inline and nested fragments merged; `@skip`/`@include` evaluated for one set of condition
values). It is computed once per plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.language import DirectiveNode, print_ast

from gateway.errors import RequestError


@dataclass(eq=False)
class NField:
    key: str  # response key (alias or name)
    name: str
    parent: str  # the object type this field is selected on (or the interface for __typename)
    nodes: list[FieldNode]  # the field nodes merged under this key (arguments come from the first)
    type: GraphQLOutputType | None  # None for __typename
    named: str
    abstract: bool
    leaf: bool
    args: str  # printed arguments "(a: 1, b: $v)", "" if none: part of the field's identity
    # For composite fields: runtime object type name -> fields to return for it, in order.
    children: dict[str, list[NField]] = field(default_factory=dict)
    # Removed by authorization: not planned, answered null (its error is the plan's, not the shaper's).
    denied: bool = False

    @property
    def node(self) -> FieldNode:
        return self.nodes[0]


def unwrap(t: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t  # type: ignore[return-value]


def _condition(directives: tuple[DirectiveNode, ...] | None, variables: dict[str, Any]) -> bool:
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
        variables: dict[str, Any],
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


def condition_values(names: tuple[str, ...], variables: dict[str, Any]) -> tuple[bool, ...]:
    """The plan-relevant part of the variables: the value of each @skip/@include variable."""
    return tuple(variables.get(n) is True for n in names)
