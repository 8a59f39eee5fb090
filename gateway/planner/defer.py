"""Plan an operation with deferred fragments into a `Defer` node, as Apollo's query planner does.

The primary part is the operation without its deferred fragments, plus what each deferred fragment
needs from it: at the fragment's object, `__typename`, a key of the subgraph that will serve the
fragment and the fields that subgraph @requires. Each deferred fragment is then planned on its own:

- on an entity: `_entities` fetches from the objects the parent part returned, even when the
  fields come from the parent's own subgraph (that is what makes a slow field deferrable);
- at the root of a query: its own root fetches, which need nothing from the primary part;
- anywhere no key leads (a value type): fetched with its parent, still delivered in its own part.

A deferred fragment depends on the parent fetches that bring its objects or their fields; nested deferred fragments hang off their parent's `Deferred` node as a nested `Defer`.
Fetch ids are unique across the whole plan, so `depends` refers to one fetch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    parse,
)

from gateway.plan.deferred import DeferBlock, DeferredFragments
from gateway.plan.fields import NField
from gateway.plan.nodes import (
    Defer,
    Deferred,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)
from gateway.planner.emit import Emitter
from gateway.planner.errors import PlanningError
from gateway.planner.groups import Group
from gateway.planner.keys import copy_rep, key_at
from gateway.planner.selection import SelectionSet
from gateway.planner.walk import Planner, _list_depth, _PlanRun

Path = tuple[str, ...]
Steps = tuple[tuple[str, str], ...]  # (response key, runtime type below it) from a part's object down

# The graph of a deferred fragment's anchor: the objects the parent part already holds. No
# subgraph has this name, so every field of the fragment is fetched from a real subgraph.
_ANCHOR = "\x00parent-part"


@dataclass(eq=False)
class Site:
    """A deferred fragment where it sits in its parent part's fields."""

    block: DeferBlock
    path: Path  # from the operation root; "@" for every list element
    steps: Steps  # from the parent part's object to the fragment's object
    siblings: list[NField]  # the parent part's fields on that object (the client's keys there)


def find_sites(fields: list[NField], deferred: DeferredFragments, path: Path = ()) -> list[Site]:
    """The deferred fragments of a part, outside any nested deferred fragment, in document order."""
    sites: list[Site] = []

    def walk(fl: list[NField], at: Path, steps: Steps) -> None:
        for block in deferred.get(id(fl), ()):
            sites.append(Site(block, at, steps, fl))
        for nf in fl:
            if nf.children:
                below = (*at, nf.key, *("@",) * _list_depth(nf.type))
                for rt, kids in nf.children.items():
                    walk(kids, below, (*steps, (nf.key, rt)))

    walk(fields, path, ())
    return sites


def block_order(fields: list[NField], deferred: DeferredFragments, path: Path = ()) -> list[tuple[DeferBlock, Path]]:
    """Every deferred fragment of the operation with its path, in the order their `Deferred` nodes
    are numbered: the executor finds a node's fields by its id in this list."""
    out: list[tuple[DeferBlock, Path]] = []
    for site in find_sites(fields, deferred, path):
        out.append((site.block, site.path))
        out.extend(block_order(site.block.fields, deferred, site.path))
    return out


class _Conflict(Exception):
    """A field a deferred fragment needs from its parent takes a response key the client uses."""


def _merge(a: NField, b: NField) -> NField:
    if not b.children:
        return a
    children = dict(a.children)
    for rt, kids in b.children.items():
        children[rt] = _with(children.get(rt, []), kids)
    return dataclasses.replace(a, children=children)


def _with(fl: list[NField], extra: list[NField]) -> list[NField]:
    out = list(fl)
    index = {f.key: i for i, f in enumerate(out)}
    for e in extra:
        i = index.get(e.key)
        if i is None:
            index[e.key] = len(out)
            out.append(e)
            continue
        f = out[i]
        if (f.name, f.args) != (e.name, e.args):
            raise _Conflict(e.key)
        out[i] = _merge(f, e)
    return out


def inject(fl: list[NField], steps: Steps, extra: list[NField]) -> list[NField]:
    """A copy of `fl` with `extra` selected on the object `steps` lead to (the original lists are
    shared with the response's shape and never changed)."""
    if not steps:
        return _with(fl, extra)
    (key, rt), rest = steps[0], steps[1:]
    out = []
    for nf in fl:
        if nf.key == key and rt in nf.children:
            nf = dataclasses.replace(nf, children={**nf.children, rt: inject(nf.children[rt], rest, extra)})
        out.append(nf)
    return out


def _typename(type_name: str) -> NField:
    node = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
    return NField("__typename", "__typename", type_name, [node], None, "String", False, True, "")


class _Run(_PlanRun):
    """A planner run whose fetch ids start at `first_id` (ids are unique across a Defer plan)."""

    def __init__(
        self, planner: Planner, operation: OperationDefinitionNode, labels: frozenset[str], first_id: int
    ) -> None:
        super().__init__(planner, operation, labels)
        self.first_id = first_id

    def new_group(self, graph: str, path: Path, chunk: int, entity: bool) -> Group:
        g = Group(self.first_id + len(self.groups), graph, path, chunk, entity)
        self.groups.append(g)
        return g


class _DeferredRun(_Run):
    """Plans a deferred fragment on an entity from the objects its parent part holds (the anchor):
    every field jumps to a subgraph through a key; the anchor's key and required fields are what
    the parent part must fetch (`needed`)."""

    def __init__(
        self, planner: Planner, operation: OperationDefinitionNode, labels: frozenset[str], first_id: int,
        path: Path, siblings: list[NField],
    ) -> None:
        super().__init__(planner, operation, labels, first_id)
        self.anchor = Group(-1, _ANCHOR, path, 0, False)
        for nf in siblings:
            self.anchor.selection.reserved.setdefault(nf.key, (nf.name, nf.args))
        self.needed: list[NField] = []

    def plan_field(
        self, group: Group, graph: str, type_name: str, path: Path, out: SelectionSet, nf: NField,
        provided: Any, for_key: bool = False, trail: Any = (), arrived: bool = False,
    ) -> set[Group]:
        if group is not self.anchor:
            return super().plan_field(group, graph, type_name, path, out, nf, provided, for_key, trail, arrived)
        if nf.name == "__typename":
            out.add_typename()
            return {group}
        if not for_key:
            return self.plan_jump(group, graph, type_name, path, out, nf)
        key = key_at(out, nf)
        if not out.has(key):
            copy_rep(out, nf, key)
            self.needed.append(nf if key == nf.key else dataclasses.replace(nf, key=key))
        return {group}

    def plan_part(self, type_name: str, fields: list[NField]) -> PlanNode | None:
        for nf in fields:
            if nf.name == "__typename":
                continue
            if not self._candidates(_ANCHOR, type_name, nf):
                raise PlanningError(f'no key leads to "{type_name}.{nf.name}"')
            self.plan_jump(self.anchor, _ANCHOR, type_name, self.anchor.path, self.anchor.selection, nf)
        return Emitter(self.sg, self.p.full, self.kind, self.op_name, self.var_defs).plan_node(self.groups)


@dataclass(eq=False)
class _Prepared:
    id: int
    site: Site
    mode: str  # "entity" | "root" | "inline"
    fields: list[NField]  # the fragment's own fields plus what its nested fragments need from it
    nested: list[_Prepared]


class IncrementalPlanner:
    """One operation's Defer plan (a fresh instance per plan)."""

    def __init__(
        self, planner: Planner, operation: OperationDefinitionNode, root_type: GraphQLObjectType,
        deferred: DeferredFragments, labels: frozenset[str],
    ) -> None:
        self.p = planner
        self.operation = operation
        self.root_type = root_type
        self.deferred = deferred
        self.labels = labels
        self._ids = 0

    def plan(self, fields: list[NField]) -> QueryPlan:
        primary_fields, prepared = self._prepare(fields, ())
        local = tuple(f.key for f in fields if f.name in ("__schema", "__type"))
        primary = _Run(self.p, self.operation, self.labels, 0).build(self.root_type, primary_fields).node
        next_id = 1 + max(_fetch_ids(primary), default=-1)
        deferred, _ = self._nodes(prepared, primary, next_id)
        if not deferred:
            return QueryPlan(primary, local)
        return QueryPlan(Defer(primary, deferred), local)

    # ------------------------------------------------------------ what each part fetches
    def _prepare(self, fields: list[NField], path: Path) -> tuple[list[NField], list[_Prepared]]:
        """A part's fields -> the fields it must fetch (its own, plus what its deferred fragments
        need from it) and its deferred fragments, prepared (ids in `block_order`'s order)."""
        plan_fields = fields
        prepared: list[_Prepared] = []
        for site in find_sites(fields, self.deferred, path):
            ident = self._ids
            self._ids += 1
            own, nested = self._prepare(site.block.fields, site.path)
            mode, needed = self._classify(site, own)
            try:
                plan_fields = inject(plan_fields, site.steps, needed)
            except _Conflict:
                if mode == "inline":
                    raise PlanningError(
                        f"cannot defer the fragment at {'/'.join(site.path) or 'the root'}: "
                        "a response key it uses is also used for another field there"
                    ) from None
                mode = "inline"  # the fragment's own fields do not clash: fetch them with the parent
                plan_fields = inject(plan_fields, site.steps, own)
            prepared.append(_Prepared(ident, site, mode, own, nested))
        return plan_fields, prepared

    def _classify(self, site: Site, own: list[NField]) -> tuple[str, list[NField]]:
        """How a fragment is fetched, and what its parent part must select for it."""
        type_name = site.block.type_name
        if all(nf.name == "__typename" for nf in own):
            return "inline", own  # nothing to fetch: the shape answers __typename
        if not site.path and type_name == self.root_type.name:
            if self.operation.operation == OperationType.QUERY:
                return "root", []
            return "inline", own  # (validation refuses @defer on mutation and subscription roots)
        run = _DeferredRun(self.p, self.operation, self.labels, 0, site.path, site.siblings)
        try:
            run.plan_part(type_name, own)
        except PlanningError:
            return "inline", own  # no key leads there (a value type): fetched with its parent
        return "entity", [_typename(type_name), *run.needed]

    # ------------------------------------------------------------ the Deferred nodes
    def _nodes(
        self, prepared: list[_Prepared], parent: PlanNode | None, next_id: int
    ) -> tuple[tuple[Deferred, ...], int]:
        out: list[Deferred] = []
        for item in prepared:
            site = item.site
            node: PlanNode | None = None
            if item.mode == "root":
                node = _Run(self.p, self.operation, self.labels, next_id).build(self.root_type, item.fields).node
            elif item.mode == "entity":
                run = _DeferredRun(self.p, self.operation, self.labels, next_id, site.path, site.siblings)
                node = run.plan_part(site.block.type_name, item.fields)
            next_id = max(next_id, 1 + max(_fetch_ids(node), default=next_id - 1))
            depends = () if item.mode == "root" else _depends_on(parent, site.path)
            # Nested fragments start from this part's fetches, or from the parent's when this
            # part is fetched with its parent.
            nested, next_id = self._nodes(item.nested, node if node is not None else parent, next_id)
            body: PlanNode | None = Defer(node, nested) if nested else node
            out.append(Deferred(
                id=item.id, depends=depends, path=site.path, label=site.block.label,
                type_condition=site.block.type_name, subselection=print_fields(site.block.fields), node=body,
            ))
        return tuple(out), next_id


def _fetches(node: PlanNode | None) -> list[tuple[Path, Fetch]]:
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [((), node)]
    if isinstance(node, Flatten):
        return [(node.path, node.node)]
    if isinstance(node, Sequence | Parallel):
        return [f for n in node.nodes for f in _fetches(n)]
    if isinstance(node, Defer):
        return _fetches(node.primary)  # a nested part's own fetches belong to its own Deferred
    return []


def _fetch_ids(node: PlanNode | None) -> list[int]:
    return [f.id for _, f in _fetches(node)]


def _depends_on(parent: PlanNode | None, path: Path) -> tuple[int, ...]:
    """The parent's fetches that bring the objects at `path` or fields of theirs: those at `path`
    itself, and those at a prefix of it that select the next response key on the way there."""
    out = []
    for at, fetch in _fetches(parent):
        if path[: len(at)] != at:
            continue
        rest = [step for step in path[len(at):] if step != "@"]
        if not rest or rest[0] in _top_keys(fetch):
            out.append(fetch.id)
    return tuple(out)


def _top_keys(fetch: Fetch) -> set[str]:
    """The response keys a fetch selects on the objects it fills (inside `_entities` for an entity
    fetch): parsed from its operation, once per plan."""
    operation = parse(fetch.operation, no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selections = list(operation.selection_set.selections)
    if fetch.is_entity_fetch:
        (entities,) = selections
        assert isinstance(entities, FieldNode) and entities.selection_set is not None
        selections = list(entities.selection_set.selections)
    keys: set[str] = set()
    while selections:
        s = selections.pop()
        if isinstance(s, FieldNode):
            keys.add(s.alias.value if s.alias else s.name.value)
        elif isinstance(s, InlineFragmentNode):
            selections.extend(s.selection_set.selections)
    return keys


def print_fields(fields: list[NField]) -> str:
    """A deferred fragment's selection as GraphQL (for reading plans)."""
    parts = []
    for nf in fields:
        head = (f"{nf.key}: " if nf.key != nf.name else "") + nf.name + nf.args
        if nf.children:
            if nf.abstract:
                head += " { " + " ".join(f"... on {rt} {print_fields(k)}" for rt, k in nf.children.items()) + " }"
            else:
                head += " " + print_fields(nf.children.get(nf.named, []))
        parts.append(head)
    return "{ " + " ".join(parts) + " }"
