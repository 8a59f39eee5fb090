"""Emission: the walk's fetch groups -> the plan tree.

Each non-empty group becomes a Fetch (under a Flatten at its path when it is an `_entities`
group); a group runs one stage after the latest group it depends on, so the stages form a Sequence
of Parallel nodes (mutation chunks one after another; a subscription's first stage opens the
stream).
"""

from __future__ import annotations

import re

from graphql import GraphQLSchema

from gateway.plan.nodes import (
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    RepField,
    RepFragment,
    RepSelection,
    Sequence,
    Subscription,
)
from gateway.planner.errors import PlanningError
from gateway.planner.groups import Group, runtime_names
from gateway.planner.selection import SelectionSet, SelField, renames
from gateway.supergraph.join import Supergraph


class Emitter:
    """What every fetch of one operation shares: its kind, name and variable definitions."""

    def __init__(
        self, supergraph: Supergraph, schema: GraphQLSchema, kind: str, op_name: str | None, var_defs: dict[str, str]
    ) -> None:
        self.sg = supergraph
        self.full = schema
        self.kind = kind  # "query" | "mutation" | "subscription"
        self.op_name = op_name
        self.var_defs = var_defs  # variable name -> its printed definition

    def plan_node(self, all_groups: list[Group]) -> PlanNode | None:
        groups = [g for g in all_groups if not g.selection.is_empty()]
        if not groups:
            return None
        fetches = {g: self.fetch(g) for g in groups}
        level: dict[Group, int] = {}

        def lvl(g: Group) -> int:
            # A group runs one stage after the latest group it depends on.
            if g not in level:
                level[g] = 1 + max((lvl(d) for d in g.deps if d in fetches and d is not g), default=-1)
            return level[g]

        stages_all: list[PlanNode] = []
        for chunk in sorted({g.chunk for g in groups}):
            members = [g for g in groups if g.chunk == chunk]
            depth = max(lvl(g) for g in members)
            for i in range(depth + 1):
                stage = [fetches[g] for g in members if level[g] == i]
                stages_all.append(stage[0] if len(stage) == 1 else Parallel(tuple(stage)))
        if self.kind == "subscription":
            return _subscription_node(stages_all)
        return stages_all[0] if len(stages_all) == 1 else Sequence(tuple(stages_all))

    def fetch(self, g: Group) -> PlanNode:
        service = self.sg.graph_name(g.graph)
        name = f"{self.op_name}__{_graphql_name(service)}__{g.id}" if self.op_name else None
        var_defs = [self.var_defs[v] for v in g.variables if v in self.var_defs]
        if g.entity:
            var_defs.insert(0, "$representations: [_Any!]!")
            body = "{_entities(representations: $representations) " + g.selection.print() + "}"
            kind = "query"
        else:
            body = g.selection.print()
            kind = self.kind
        head = kind + (f" {name}" if name else "") + (f"({', '.join(var_defs)})" if var_defs else "")
        operation = body if (kind == "query" and not name and not var_defs) else head + " " + body
        requires = None
        if g.entity:
            requires = tuple(
                RepFragment(
                    r.type_condition,
                    frozenset(runtime_names(self.full, r.type_condition) | r.applies_to),
                    _rep_selections(r.selection),
                    r.typename_as,
                    tuple(r.key_fields),
                )
                for r in g.reps.values()
            )
        # deepest first, so a renamed field's parent still has the key its path names
        moved = sorted(renames(g.selection), key=lambda r: -len(r[0]))
        fetch = Fetch(
            service=service,
            graph=g.graph,
            operation=operation,
            operation_kind=kind,
            operation_name=name,
            variable_usages=tuple(v for v in g.variables if v in self.var_defs),
            requires=requires,
            id=g.id,
            renames=tuple(moved),
        )
        return Flatten(g.path, fetch) if g.entity else fetch


def _subscription_node(stages: list[PlanNode]) -> PlanNode:
    """One root field (validation guarantees it) in one subgraph opens the stream; the
    later stages are what each event needs from the other subgraphs."""
    primary = stages[0]
    if not isinstance(primary, Fetch) or primary.is_entity_fetch:
        raise PlanningError("a subscription must select exactly one root field from one subgraph")
    rest = stages[1:]
    return Subscription(primary, None if not rest else rest[0] if len(rest) == 1 else Sequence(tuple(rest)))


def _graphql_name(text: str) -> str:
    """A subgraph name as part of an operation name (GraphQL names: letters, digits, underscores)."""
    return re.sub(r"[^_0-9A-Za-z]", "_", text)


def _rep_selections(sel: SelectionSet) -> tuple[RepSelection, ...]:
    result: list[RepSelection] = []
    for item in sel.items.values():
        if isinstance(item, SelField):
            source = item.key if item.key != item.name else None
            result.append(RepField(item.name, _rep_selections(item.sub) if item.sub else None, source))
        else:
            result.append(RepFragment(item.type_condition, frozenset({item.type_condition}), _rep_selections(item.sub)))
    return tuple(result)
