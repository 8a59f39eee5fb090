"""Fetch groups: what the walk forms (one subgraph operation each) and emission turns into Fetch nodes.

A group holds the selection sent to one subgraph at one response path, the representation
fragments an `_entities` group sends, and the groups it must run after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLObjectType, GraphQLSchema

from gateway.plan.fields import NField
from gateway.planner.selection import SelectionSet

Path = tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One field on the way down from a group's own root: where it was selected."""

    nf: NField
    type_name: str  # the type it is selected on
    path: tuple[str, ...]  # the response path of that parent object
    out: SelectionSet  # the parent's selection in the group


Trail = tuple[Step, ...]
Provided = dict[str, list[NField]]  # runtime type -> fields a @provides made local


@dataclass(eq=False)
class Group:
    id: int
    graph: str
    path: Path
    chunk: int  # mutation root fields plan in separate chunks, one after another
    entity: bool
    selection: SelectionSet = field(default_factory=SelectionSet)
    # representation fragments by (type condition, typename_as)
    reps: dict[tuple[str, str | None], RepBuilder] = field(default_factory=dict)
    deps: set[Group] = field(default_factory=set)
    variables: list[str] = field(default_factory=list)

    def ancestors(self) -> set[Group]:
        seen: set[Group] = set()
        stack = list(self.deps)
        while stack:
            g = stack.pop()
            if g not in seen:
                seen.add(g)
                stack.extend(g.deps)
        return seen


@dataclass(eq=False)
class RepBuilder:
    type_condition: str
    applies_to: set[str]
    typename_as: str | None
    selection: SelectionSet = field(default_factory=SelectionSet)
    key_fields: list[str] = field(default_factory=list)


def runtime_names(schema: GraphQLSchema, type_name: str) -> set[str]:
    """The object types an object of `type_name` can be at runtime (and the name itself)."""
    t = schema.get_type(type_name)
    if t is None or isinstance(t, GraphQLObjectType):
        return {type_name}
    return {o.name for o in schema.get_possible_types(t)} | {type_name}  # type: ignore[arg-type]
