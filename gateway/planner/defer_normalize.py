"""Normalise an operation with its deferred fragments (`@defer`) kept apart (`gateway.plan.deferred`).

A `Normalizer` merges every fragment into its parent's fields. `DeferNormalizer` does the same for
all fragments but the deferred ones (`@defer`, or `@defer(if: true / $var)` with `$var` true): those
become `DeferBlock`s attached to the field list of the object they were selected on, keyed by the
list's identity (field lists are shared and memoised, so a block belongs to every place the list
appears). A block's own fields are a normal field list, with its nested blocks attached the same
way. Used only for documents that contain `@defer` and a client that accepts incremental delivery:
every other operation is normalised by `Normalizer` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.language import DirectiveNode

from gateway.plan.deferred import DeferBlock, DeferredFragments
from gateway.plan.fields import NField
from gateway.planner.normalize import Normalizer, _condition


def defer_directive(directives: tuple[DirectiveNode, ...] | None, variables: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(deferred?, label) for a fragment's directives: `if` defaults to true; a variable counts only
    when it is true (an unset nullable variable cannot be passed: `if` is Boolean!)."""
    for d in directives or ():
        if d.name.value != "defer":
            continue
        active, label = True, None
        for a in d.arguments or ():
            v = a.value
            value = variables.get(v.name.value) if isinstance(v, VariableNode) else getattr(v, "value", None)
            if a.name.value == "if":
                active = value is not False
            elif a.name.value == "label" and isinstance(value, str):
                label = value
        return active, label
    return False, None


class DeferNormalizer(Normalizer):
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_fields: int = 1_000_000,
    ) -> None:
        super().__init__(schema, fragments, variables, max_fields)
        self.deferred: DeferredFragments = {}
        self._pending: list[tuple[str | None, SelectionSetNode]] = []

    def _fields(self, runtime: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> list[NField]:
        outer, self._pending = self._pending, []
        try:
            result = super()._fields(runtime, selection_sets)
            pending = self._pending
        finally:
            self._pending = outer
        if pending:
            self.deferred[id(result)] = [
                DeferBlock(label, runtime.name, self.fields(runtime, [ss])) for label, ss in pending
            ]
        return result

    def _collect(
        self,
        runtime: GraphQLObjectType,
        selection_sets: list[SelectionSetNode],
        out: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        """As `Normalizer._collect`, but a deferred fragment that applies to `runtime` is set aside
        (once: a fragment spread twice is deferred once) instead of merged."""
        for ss in selection_sets:
            for s in ss.selections:
                if not _condition(s.directives, self.variables):
                    continue
                if isinstance(s, FieldNode):
                    key = s.alias.value if s.alias else s.name.value
                    out.setdefault(key, []).append(s)
                    continue
                if isinstance(s, InlineFragmentNode):
                    cond = s.type_condition.name.value if s.type_condition else None
                    body = s.selection_set
                elif isinstance(s, FragmentSpreadNode):
                    name = s.name.value
                    frag = self.fragments.get(name)
                    if frag is None or name in visited:
                        continue
                    visited.add(name)
                    cond, body = frag.type_condition.name.value, frag.selection_set
                else:
                    continue
                if not self._applies(cond, runtime):
                    continue
                deferred, label = defer_directive(s.directives, self.variables)
                if deferred:
                    self._pending.append((label, body))
                else:
                    self._collect(runtime, [body], out, visited)


def normalize(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    max_fields: int,
    root: GraphQLObjectType,
    selection_set: SelectionSetNode,
) -> tuple[list[NField], DeferredFragments]:
    """An operation's fields outside its deferred fragments (the initial payload's shape), and the
    deferred fragments."""
    normalizer = DeferNormalizer(schema, fragments, variables, max_fields)
    return normalizer.fields(root, [selection_set]), normalizer.deferred
