"""The query plan: a tree of Sequence / Parallel / Flatten / Fetch nodes (a Subscription at the root
of a subscription's plan, a Defer at the root of an operation delivered incrementally), with the
normalised operation it answers.

Nodes are frozen; `gateway.plan.serialize` writes them as JSON (in the shape Apollo's query plans
use, so the two can be compared) and `gateway.plan.printing` prints them readably.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from graphql import GraphQLSchema

from gateway.plan.operation import Operation


@dataclass(frozen=True)
class RepField:
    """A field copied from the response into a representation."""

    name: str  # the key in the representation (the field's name)
    selections: tuple[RepSelection, ...] | None = None
    source_key: str | None = None  # where the value sits in the merged data, when not `name`

    @property
    def key(self) -> str:
        return self.source_key or self.name


@dataclass(frozen=True)
class RepFragment:
    """`... on T { ... }` in a representation selection: applies to objects whose __typename is in
    `applies_to`; `typename_as` rewrites their __typename (an @interfaceObject expects the interface)."""

    type_condition: str
    applies_to: frozenset[str]
    selections: tuple[RepSelection, ...]
    typename_as: str | None = None
    key_fields: tuple[str, ...] = ()  # a representation with one of these null or missing is not sent


RepSelection: TypeAlias = RepField | RepFragment


@dataclass(frozen=True)
class Fetch:
    service: str
    graph: str
    operation: str
    operation_kind: str  # "query" | "mutation"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[RepFragment, ...] | None = None  # None: a root fetch
    id: int = 0
    # (path of response keys, alias, key): fields the subgraph answers under a gateway alias
    # (same key, different types in sibling fragments) moved back to their key after the fetch.
    # A path starting with "<Type>" holds only for entities of that runtime type (an
    # @interfaceObject answers every field for every entity: see planner.selection.runtime_marker).
    renames: tuple[tuple[tuple[str, ...], str, str], ...] = ()

    @property
    def is_entity_fetch(self) -> bool:
        return self.requires is not None


@dataclass(frozen=True)
class Flatten:
    path: tuple[str, ...]  # response keys; "@" steps into every element of a list
    node: Fetch


@dataclass(frozen=True)
class Sequence:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Parallel:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Subscription:
    """A subscription's plan, as Apollo's SubscriptionNode: `primary` opens the event stream (one
    root field, one subgraph or one event source); `rest` runs once per event, on that event's data
    as the response of `primary` (entity fetches for the fields other subgraphs serve)."""

    primary: Fetch
    rest: PlanNode | None = None


@dataclass(frozen=True)
class Deferred:
    """One deferred fragment's part of a Defer node (Apollo's DeferredNode): it runs once the
    fetches it `depends` on are done and is delivered at `path`, after its parent part."""

    id: int  # the fragment's place in the operation: `Operation.deferred[id]` is what it delivers
    depends: tuple[int, ...]  # ids of the fetches whose results this part starts from
    path: tuple[str, ...]  # response keys from the root to the fragment's objects; "@" = list elements
    label: str | None
    type_condition: str  # the runtime object type the fragment applies to
    subselection: str  # what the part delivers, as GraphQL (for reading plans)
    node: PlanNode | None  # None: fetched with its parent, delivered on its own


@dataclass(frozen=True)
class Defer:
    """Incremental delivery (`@defer`), as Apollo's DeferNode: `primary` is fetched and sent first;
    each deferred part follows (a part with nested deferred fragments has a Defer node of its own)."""

    primary: PlanNode | None
    deferred: tuple[Deferred, ...]


PlanNode: TypeAlias = Fetch | Flatten | Sequence | Parallel | Subscription | Defer


@dataclass(frozen=True)
class QueryPlan:
    node: PlanNode | None
    # Root fields the gateway answers itself (introspection): their response keys.
    local_fields: tuple[str, ...] = ()
    # What the client asked, normalised: the executor shapes the response from it. None only for
    # a bare plan tree (read back from a plan store before it is joined to its operation).
    operation: Operation | None = None
    # Derived once per plan by the stages that use it (the compiled shaper, the entity cache's
    # analysis): never part of the plan's value.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def fetch_count(self) -> int:
        """How many subgraph requests (at most) the plan makes."""
        return _count_fetches(self.node)

    def to_json(self) -> dict[str, Any]:
        """The whole plan: the tree, the local fields and the normalised operation."""
        from gateway.plan.serialize import query_plan_to_json  # it imports this module

        return query_plan_to_json(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], schema: GraphQLSchema) -> QueryPlan:
        """A plan written by `to_json`, for the API schema it was planned against (field types
        are resolved in it). Raises ValueError, KeyError or TypeError for anything else."""
        from gateway.plan.serialize import query_plan_from_json

        return query_plan_from_json(data, schema)


def _count_fetches(node: PlanNode | None) -> int:
    if node is None:
        return 0
    if isinstance(node, Fetch | Flatten):
        return 1
    if isinstance(node, Subscription):
        return 1 + _count_fetches(node.rest)
    if isinstance(node, Defer):
        return _count_fetches(node.primary) + sum(_count_fetches(d.node) for d in node.deferred)
    return sum(_count_fetches(n) for n in node.nodes)
