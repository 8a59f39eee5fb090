"""The client's operation as a tree of fields per runtime type, fragments and conditions resolved.

Planner, response shaping, authorization and demand control share this tree: for every field it
holds the response key, the arguments, and, for fields of composite type, the fields to return for
each possible object type (named, inline and nested fragments merged; `@skip`/`@include` evaluated
for one set of condition values). The planner's normaliser builds it once per plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import FieldNode, GraphQLList, GraphQLNamedType, GraphQLNonNull, GraphQLOutputType


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
    return t


def uniform_selection(nf: NField) -> bool:
    """Whether an abstract field selects the same fields for every runtime type and not
    `__typename`: its answer is then the same whatever the runtime type (the planner needs no
    real type for it, and shaping accepts an @interfaceObject's interface name as __typename).
    Compared by structure, not node identity: a plan read back from JSON has its own nodes."""
    lists = list(nf.children.values())
    if not lists or any(k.name == "__typename" for k in lists[0]):
        return not lists
    memo: dict[int, tuple[object, ...]] = {}
    first = _signature(lists[0], memo)
    return all(_signature(kids, memo) == first for kids in lists[1:])


def _signature(fields: list[NField], memo: dict[int, tuple[object, ...]]) -> tuple[object, ...]:
    cached = memo.get(id(fields))
    if cached is None:
        cached = memo[id(fields)] = tuple(
            (k.key, k.name, k.args, tuple((rt, _signature(kids, memo)) for rt, kids in k.children.items()))
            for k in fields
        )
    return cached
