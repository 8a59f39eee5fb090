"""The walk: which subgraph serves which part of the client's operation, as fetch groups (pure; no I/O).

The walk keeps, at every point of the client's selection, where we stand: a fetch group (one
subgraph operation), the subgraph, the parent type and the response path. A field that subgraph
serves (or that a `@provides` above made local) joins the current group; any other field "jumps":
the current group selects `__typename` and a key the next subgraph resolves, and the field goes into
an `_entities` group of that subgraph at the same path. `@requires` fields are planned like client
fields at the same position before the jump, and the jump's group depends on whatever groups
fetched them. `gateway.planner.emit` then turns the groups into the plan tree.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import ListValueNode, ObjectValueNode, ValueNode, VariableNode, print_ast

from gateway.plan.fields import NField, uniform_selection
from gateway.plan.nodes import QueryPlan
from gateway.planner.emit import Emitter
from gateway.planner.errors import PlanningError
from gateway.planner.groups import Group, Path, Provided, RepBuilder, Step, Trail, runtime_names
from gateway.planner.keys import copy_rep, inherit_reserved, key_at
from gateway.planner.normalize import Normalizer
from gateway.planner.selection import SelectionConflict, SelectionSet, SelField
from gateway.supergraph.join import Key, Supergraph


def _list_depth(t: GraphQLOutputType | None) -> int:
    depth = 0
    while t is not None:
        if isinstance(t, GraphQLNonNull):
            t = t.of_type
        elif isinstance(t, GraphQLList):
            depth += 1
            t = t.of_type
        else:
            break
    return depth


def _variables_in(value: ValueNode, out: list[str]) -> None:
    if isinstance(value, VariableNode):
        if value.name.value not in out:
            out.append(value.name.value)
    elif isinstance(value, ListValueNode):
        for v in value.values:
            _variables_in(v, out)
    elif isinstance(value, ObjectValueNode):
        for f in value.fields:
            _variables_in(f.value, out)


class Planner:
    """Plans operations against one supergraph. Stateless between calls; not thread-safe within one."""

    def __init__(self, supergraph: Supergraph, api_schema: GraphQLSchema) -> None:
        self.sg = supergraph
        self.api = api_schema
        self.full = supergraph.schema
        self._fieldset_cache: dict[tuple[str, int], list[NField]] = {}

    # ------------------------------------------------------------ entry point
    def plan(
        self,
        operation: OperationDefinitionNode,
        root_type: GraphQLObjectType,
        fields: list[NField],
        labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        run = _PlanRun(self, operation, labels)
        return run.build(root_type, fields)

    def fieldset(self, type_name: str, selection: SelectionSetNode) -> list[NField]:
        """A `@key`/`@requires`/`@provides` field set as fields of `type_name` (supergraph schema)."""
        # parse_field_set is cached by text, so equal field sets are one node: id() is the text.
        cache_key = (type_name, id(selection))
        cached = self._fieldset_cache.get(cache_key)
        if cached is None:
            t = self.full.get_type(type_name)
            if not isinstance(t, GraphQLObjectType):
                # Field sets on interfaces (entity interfaces, interface objects): read the fields
                # through the interface as if it were an object type.
                t = GraphQLObjectType(type_name, lambda: self.full.get_type(type_name).fields)  # type: ignore[union-attr]  # an interface of this schema
            cached = Normalizer(self.full, {}, {}).fields(t, [selection])
            self._fieldset_cache[cache_key] = cached
        return cached


class _PlanRun:
    def __init__(self, planner: Planner, operation: OperationDefinitionNode, labels: frozenset[str]) -> None:
        self.p = planner
        self.sg = planner.sg
        self.labels = labels
        self.operation = operation
        self.groups: list[Group] = []
        self.var_defs = {
            d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()
        }
        self.kind = operation.operation.value  # "query" | "mutation" | "subscription"
        self.op_name = operation.name.value if operation.name else None
        self._jump_guard: set[tuple[str, str, Path, str]] = set()

    # ------------------------------------------------------------ groups
    def new_group(self, graph: str, path: Path, chunk: int, entity: bool) -> Group:
        g = Group(len(self.groups), graph, path, chunk, entity)
        self.groups.append(g)
        return g

    def entity_group(
        self, graph: str, path: Path, chunk: int, after: set[Group],
        accepts: Callable[[Group], bool] | None = None,
    ) -> Group:
        """An `_entities` group for `graph` at `path` that may run after every group in `after`
        (and that `accepts` allows joining)."""
        for g in self.groups:
            if not g.entity or g.graph != graph or g.path != path or g.chunk != chunk or g in after:
                continue
            if accepts is not None and not accepts(g):
                continue
            if any(g in a.ancestors() for a in after):
                continue  # joining would make a cycle
            g.deps |= after
            return g
        g = self.new_group(graph, path, chunk, True)
        g.deps |= after
        return g

    # ------------------------------------------------------------ resolvability
    def local(self, type_name: str, field_name: str, graph: str, provided: Provided | None) -> bool:
        if self.sg.resolves(type_name, field_name, graph, self.labels):
            return True
        if provided is not None:
            return any(f.name == field_name for f in provided.get(type_name, ()))
        return False

    def provided_for(self, nf: NField, graph: str, parent_provided: Provided | None) -> Provided | None:
        if parent_provided is not None:
            for f in parent_provided.get(nf.parent, ()):
                if f.name == nf.name and f.children:
                    return f.children
        rec = self.sg.field_record(nf.parent, nf.name, graph)
        if rec is not None and rec.provides is not None:
            named = nf.named
            t = self.p.full.get_type(named)
            possible = self.p.full.get_possible_types(t) if not isinstance(t, GraphQLObjectType) else [t]  # type: ignore[arg-type]  # the provided field's abstract type
            norm = Normalizer(self.p.full, {}, {})
            return {o.name: norm.fields(o, [rec.provides]) for o in possible}
        return None

    def coverage(
        self, graph: str, type_name: str, fields: Iterable[NField], depth: int = 0,
        provided: Provided | None = None,
    ) -> int:
        """How many of these fields (recursively) `graph` serves without a jump, counting what a
        `@provides` makes local there: a root-field choice."""
        total = 0
        for nf in fields:
            if nf.name == "__typename":
                continue
            if not self.local(type_name, nf.name, graph, provided):
                continue
            total += 1
            if depth < 4 and nf.children:
                below = self.provided_for(nf, graph, provided)
                for rt, kids in nf.children.items():
                    total += self.coverage(graph, rt, kids, depth + 1, below)
        return total

    # ------------------------------------------------------------ variables
    def note_variables(self, group: Group, nf: NField) -> None:
        for a in nf.node.arguments or ():
            found: list[str] = []
            _variables_in(a.value, found)
            for v in found:
                if v not in group.variables:
                    group.variables.append(v)

    # ------------------------------------------------------------ the walk
    def plan_fields(
        self,
        group: Group,
        graph: str,
        type_name: str,
        path: Path,
        out: SelectionSet,
        fields: list[NField],
        provided: Provided | None,
        for_key: bool = False,
        trail: Trail = (),
    ) -> set[Group]:
        used: set[Group] = set()
        if not for_key:
            # The client's response keys here, known before any key or required field is added,
            # so that those never take a key the client uses for something else.
            for nf in fields:
                out.reserved.setdefault(nf.key, (nf.name, nf.args))
        for nf in fields:
            used |= self.plan_field(group, graph, type_name, path, out, nf, provided, for_key, trail)
        return used

    def plan_field(
        self,
        group: Group,
        graph: str,
        type_name: str,
        path: Path,
        out: SelectionSet,
        nf: NField,
        provided: Provided | None,
        for_key: bool = False,
        trail: Trail = (),
        arrived: bool = False,
    ) -> set[Group]:
        """`trail` holds the fields from the group's own root selection down to here; `arrived`
        says the field is planned in the entity fetch whose representations carry its requirements."""
        if nf.name == "__typename":
            # Shaping answers __typename from the runtime type; the subgraph's is only for branching.
            out.add_typename()
            return {group}
        if for_key and not nf.args and self._in_representation(group, type_name, path, nf.name):
            return {group}  # already in the response: the next representation reads it there
        local = self.local(type_name, nf.name, graph, provided) or (
            for_key and self.sg.can_select_for_key(type_name, nf.name, graph)
        )
        if local and not arrived and self._needs_requirements(type_name, nf.name, graph):
            # A @requires field is only computed from a representation carrying what it
            # requires: even in its own subgraph it goes through `_entities`.
            local = False
        if not local:
            return self.plan_jump(group, graph, type_name, path, out, nf, trail, for_key, provided)
        key = key_at(out, nf) if for_key else nf.key
        sel = self._add(out, key, nf.name, nf.args, not nf.leaf, None if for_key else self._shape(type_name, nf, graph))
        self.note_variables(group, nf)
        used = {group}
        if not nf.leaf and sel.sub is not None:
            sub_path = path + (key,) + ("@",) * _list_depth(nf.type)
            used |= self.plan_composite(
                group, graph, nf, sub_path, sel.sub, self.provided_for(nf, graph, provided), for_key,
                (*trail, Step(nf, type_name, path, out)),
            )
        return used

    def _shape(self, type_name: str, nf: NField, graph: str) -> str:
        """The field's type as `graph` declares it (join__field type), for GraphQL's same-shape
        rule; object types are compared by their fields, so only wrappers count for them."""
        rec = self.sg.field_record(type_name, nf.name, graph)
        declared = rec.type if rec is not None and rec.type else str(nf.type)
        return declared if nf.leaf else re.sub(r"\w+", "T", declared)

    def _add(
        self, out: SelectionSet, key: str, name: str, args: str, composite: bool, shape: str | None = None
    ) -> Any:
        try:
            return out.add_field(key, name, args, composite, shape)
        except SelectionConflict as e:
            raise PlanningError(
                f'cannot plan "{key}": the response key is also needed for another field ({e})'
            ) from e

    def plan_composite(
        self,
        group: Group,
        graph: str,
        nf: NField,
        path: Path,
        out: SelectionSet,
        provided: Provided | None,
        for_key: bool = False,
        trail: Trail = (),
    ) -> set[Group]:
        if not nf.abstract:
            kids = nf.children.get(nf.named, [])
            return self.plan_fields(group, graph, nf.named, path, out, kids, provided, for_key, trail)
        if self.sg.is_interface_object(nf.named, graph):
            return self.plan_from_interface_object(group, graph, nf, path, out)
        out.add_typename()
        declared = self.declared_named(nf, graph)
        if declared != nf.named and isinstance(self.p.full.get_type(declared), GraphQLObjectType):
            # This subgraph's field returns one object type (a subtype of the supergraph's): only
            # that type's selection applies; a fragment on any other type would be invalid here.
            kids = nf.children.get(declared, [])
            return self.plan_fields(group, graph, declared, path, out, kids, provided, for_key, trail)
        possible = self.sg.possible_types_in_graph(declared, graph)
        runtimes = [t for t in nf.children if t in possible]
        if self._interface_level(graph, nf, runtimes, provided):
            kids = nf.children[runtimes[0]] if runtimes else []
            return self.plan_fields(group, graph, nf.named, path, out, kids, provided, False, trail)
        used: set[Group] = {group}
        for rt in runtimes:
            kids = [k for k in nf.children[rt] if k.name != "__typename"]
            if not kids:
                continue
            frag = out.add_fragment(rt)
            used |= self.plan_fields(group, graph, rt, path, frag, kids, provided, for_key, trail)
        return used

    def declared_named(self, nf: NField, graph: str) -> str:
        """The named type of `nf` as `graph` declares it (`@join__field(type:)`), else the supergraph's."""
        rec = self.sg.field_record(nf.parent, nf.name, graph)
        if rec is None or not rec.type:
            return nf.named
        return rec.type.strip("[]!")

    def _interface_level(
        self, graph: str, nf: NField, runtimes: list[str], provided: Provided | None
    ) -> bool:
        """Whether the abstract selection can stay as written: every runtime type selects the same
        fields and the subgraph serves all of them, at the interface and for each implementation."""
        if provided is not None or not runtimes:
            return not runtimes
        iface = self.p.full.get_type(nf.named)
        if not isinstance(iface, GraphQLObjectType) and not hasattr(iface, "fields"):
            # unions: only __typename can be selected at the union level
            return all(
                all(k.name == "__typename" for k in nf.children[rt]) for rt in runtimes
            )
        first = nf.children[runtimes[0]]
        signature = [tuple(id(n) for n in k.nodes) for k in first]
        for rt in runtimes[1:]:
            if [tuple(id(n) for n in k.nodes) for k in nf.children[rt]] != signature:
                return False
        return all(
            self._fully_local(graph, rt, nf.children[rt]) for rt in runtimes
        ) and self._fully_local(graph, nf.named, first)

    def _fully_local(self, graph: str, type_name: str, fields: list[NField], depth: int = 0) -> bool:
        for k in fields:
            if k.name == "__typename":
                continue
            if not self.sg.resolves(type_name, k.name, graph, self.labels):
                return False
            if depth > 8:
                return False
            if k.children:
                if k.abstract:
                    return False  # nested abstract selections: let the per-type walk decide
                for rt, kids in k.children.items():
                    if not self._fully_local(graph, rt, kids, depth + 1):
                        return False
        return True

    # ------------------------------------------------------------ jumps (entity fetches)
    def plan_jump(
        self,
        group: Group,
        graph: str,
        type_name: str,
        path: Path,
        out: SelectionSet,
        nf: NField,
        trail: Trail = (),
        for_key: bool = False,
        provided: Provided | None = None,
    ) -> set[Group]:
        guard = (graph, type_name, path, nf.key)
        if guard in self._jump_guard:
            raise PlanningError(f'cannot plan "{type_name}.{nf.name}": its keys or requirements form a cycle')
        self._jump_guard.add(guard)
        try:
            candidates = self._candidates(graph, type_name, nf)
            if not any(self._key_local(graph, type_name, c[2], group, path, provided) for c in candidates):
                # No subgraph can be reached from here with a key we hold: go through an entity
                # above (or the query root) rather than fetching the key itself first.
                refetched = self._refetch_from_ancestor(group, graph, type_name, path, nf, trail)
                if refetched is None:
                    refetched = self._refetch_from_root(group, graph, type_name, path, nf, trail)
                if refetched is not None:
                    return refetched
            return self._plan_jump(group, graph, type_name, path, out, nf, for_key, trail=trail, provided=provided)
        finally:
            self._jump_guard.discard(guard)

    def _candidates(self, graph: str, type_name: str, nf: NField) -> list[tuple[str, str, Key, str | None]]:
        """(target graph, entity type as the target sees it, key, __typename rewrite)."""
        result: list[tuple[str, str, Key, str | None]] = []
        for g2 in self.sg.graphs_resolving(type_name, nf.name, self.labels):
            if g2 == graph and not self._needs_requirements(type_name, nf.name, graph):
                continue
            # A subgraph that sees this interface as an @interfaceObject expects its name as __typename.
            rename = type_name if self.sg.is_interface_object(type_name, g2) else None
            for key in self.sg.resolvable_keys(type_name, g2):
                result.append((g2, type_name, key, rename))
        for iface, g2 in self.sg.interface_objects_of(type_name):
            if g2 == graph or not self.sg.interface_has_field(iface, nf.name):
                continue
            if not self.sg.resolves(iface, nf.name, g2, self.labels):
                continue
            for key in self.sg.resolvable_keys(iface, g2):
                result.append((g2, iface, key, iface))
        return result

    def _needs_requirements(self, type_name: str, field_name: str, graph: str) -> bool:
        rec = self.sg.field_record(type_name, field_name, graph)
        return rec is not None and rec.requires is not None

    def _refetch_from_root(
        self, group: Group, graph: str, type_name: str, path: Path, nf: NField, trail: Trail
    ) -> set[Group] | None:
        """A field of a value type (no key to jump with) that another subgraph serves along the
        same chain of shareable fields from the query root: select that chain from the other
        subgraph too and let the results merge. Queries only: a mutation must not run twice."""
        if group.entity or self.kind != "query" or not trail or any(t.nf.abstract for t in trail):
            # (Through an abstract field two subgraphs may disagree on what an object is: no merge.)
            return None
        for g2 in self.sg.graph_order:
            if g2 == graph or not self.sg.resolves(type_name, nf.name, g2, self.labels):
                continue
            if not all(self.sg.resolves(t.type_name, t.nf.name, g2, self.labels) for t in trail):
                continue
            root = next(
                (g for g in self.groups if not g.entity and g.graph == g2 and g.chunk == group.chunk), None
            ) or self.new_group(g2, (), group.chunk, False)
            out = root.selection
            for i, t in enumerate(trail):
                sel = self._add(out, t.nf.key, t.nf.name, t.nf.args, True)
                self.note_variables(root, t.nf)
                out = sel.sub
                nxt = trail[i + 1].type_name if i + 1 < len(trail) else type_name
                if t.nf.abstract:
                    out.add_typename()
                    out = out.add_fragment(nxt)
            return self.plan_field(root, g2, type_name, path, out, nf, None, False, trail) | {root}
        return None

    def _refetch_from_ancestor(
        self, group: Group, graph: str, type_name: str, path: Path, nf: NField, trail: Trail
    ) -> set[Group] | None:
        """A field of a value type (no key to jump with) that another subgraph serves below an
        entity it can resolve: jump at the nearest such entity above (by its key) and select the
        chain of fields from it down to the field there."""
        for j in range(len(trail) - 1, -1, -1):
            step = trail[j]
            ancestor = step.type_name
            if not isinstance(self.p.full.get_type(ancestor), GraphQLObjectType):
                continue
            chain = [t.nf for t in trail[j:]]
            if any(f.abstract for f in chain):
                continue
            parents = [t.type_name for t in trail[j:]] + [type_name]
            for g2 in self.sg.graph_order:
                if g2 == graph or not self.sg.resolvable_keys(ancestor, g2):
                    continue
                if not self.sg.resolves(type_name, nf.name, g2, self.labels):
                    continue
                if not all(self.sg.resolves(parents[i], f.name, g2, self.labels) for i, f in enumerate(chain)):
                    continue
                synthetic = nf
                for i in range(len(chain) - 1, -1, -1):
                    synthetic = dataclasses.replace(chain[i], children={parents[i + 1]: [synthetic]})
                return self._plan_jump(group, graph, ancestor, step.path, step.out, synthetic, False, only=g2)
        return None

    def _key_local(
        self, graph: str, type_name: str, key: Key, group: Group | None = None, path: Path | None = None,
        provided: Provided | None = None,
    ) -> bool:
        return all(
            self.sg.can_select_for_key(type_name, f.name, graph)
            or (provided is not None and any(p.name == f.name for p in provided.get(type_name, ())))
            or (group is not None and self._in_representation(group, type_name, path, f.name))
            for f in self.p.fieldset(type_name, key.selection)
        )

    def _in_representation(self, group: Group, type_name: str, path: Path | None, field_name: str) -> bool:
        """Whether `field_name` of the objects this entity group resolves is already in the
        response: it was sent in the group's representations (so an earlier fetch brought it)."""
        if not group.entity or group.path != path:
            return False
        for (type_condition, _), rep in group.reps.items():
            if type_name in runtime_names(self.p.full, type_condition):
                item = rep.selection.items.get(field_name)
                if isinstance(item, SelField) and item.name == field_name and item.sub is None:
                    return True
        return False

    def _plan_jump(
        self,
        group: Group,
        graph: str,
        type_name: str,
        path: Path,
        out: SelectionSet,
        nf: NField,
        for_key: bool,
        only: str | None = None,
        trail: Trail = (),
        provided: Provided | None = None,
    ) -> set[Group]:
        candidates = [c for c in self._candidates(graph, type_name, nf) if only is None or c[0] == only]
        if not candidates:
            raise PlanningError(
                f'cannot plan "{type_name}.{nf.name}": no subgraph that serves it can be reached from '
                f'"{self.sg.graph_name(graph)}" (no usable @key)'
            )
        order = self.sg.graph_order

        def score(c: tuple[str, str, Key, str | None]) -> tuple[int, int, int, int]:
            g2, etype, key, _ = c
            existing = any(
                g.entity and g.graph == g2 and g.path == path and g.chunk == group.chunk for g in self.groups
            )
            rec = self.sg.field_record(etype, nf.name, g2)
            return (
                0 if self._key_local(graph, type_name, key, group, path, provided) else 1,
                0 if existing else 1,
                1 if rec is not None and rec.requires is not None else 0,
                order.index(g2),
            )

        g2, etype, key, typename_as = min(candidates, key=score)
        # The representation: __typename, the key, and what the field @requires, all read at `path`.
        self._add(out, "__typename", "__typename", "", False)
        key_fields = self.p.fieldset(type_name, key.selection)
        deps = {group}
        # Keys (and requirements) a @provides above made local are read from this fetch.
        deps |= self.plan_fields(group, graph, type_name, path, out, key_fields, provided, True, trail)
        rec = self.sg.field_record(etype, nf.name, g2)
        required: list[NField] = []
        if rec is not None and rec.requires is not None:
            required = self.p.fieldset(etype, rec.requires)
            deps |= self.plan_fields(group, graph, type_name, path, out, required, provided, True, trail)
        sources = [(rf.name, key_at(out, rf)) for rf in required]
        rep_key = (type_name, typename_as)
        target = self.entity_group(g2, path, group.chunk, deps, lambda g: _rep_fits(g, rep_key, sources))
        rep = target.reps.get(rep_key)
        if rep is None:
            rep = RepBuilder(type_name, {type_name}, typename_as)
            target.reps[rep_key] = rep
            rep.selection.add_typename()
        for kf in key_fields:
            source = key_at(out, kf)
            copy_rep(rep.selection, kf, source)
            if source not in rep.key_fields:
                rep.key_fields.append(source)
        for rf in required:
            copy_rep(rep.selection, rf, key_at(out, rf))
        frag = target.selection.add_fragment(etype)
        # Fetches at one response path fill the same objects: every one of them must keep clear
        # of the keys the client uses there.
        inherit_reserved(frag, out)
        taken = frag.items.get(nf.key)
        if (
            typename_as is not None and etype != type_name and not for_key
            and isinstance(taken, SelField) and (taken.name, taken.args) != (nf.name, nf.args)
        ):
            # A field of one implementation served by an @interfaceObject, whose response key
            # another implementation uses there for another field (other arguments): the
            # subgraph answers every selection for every entity of the fetch, whatever its real
            # type, so this one gets an alias of its own, moved back only on entities of this type.
            alias = f"__io_{type_name}_{nf.key}"
            aliased = dataclasses.replace(nf, key=alias)
            used = self.plan_field(target, g2, etype, path, frag, aliased, None, for_key, arrived=True)
            sel = frag.items.get(alias)
            if isinstance(sel, SelField):
                sel.restore, sel.restore_for = nf.key, type_name
            return used | {target}
        used = self.plan_field(target, g2, etype, path, frag, nf, None, for_key, arrived=True)
        return used | {target}

    # ------------------------------------------------------------ @interfaceObject sources
    def plan_from_interface_object(
        self, group: Group, graph: str, nf: NField, path: Path, out: SelectionSet
    ) -> set[Group]:
        """`graph` returns an interface it only knows as an object (@interfaceObject): its
        __typename is the interface's name. A subgraph that knows the implementations turns each
        object into its real type (an `_entities` fetch on the interface's key); the client's
        per-type selections are planned from there."""
        iface = nf.named
        runtimes = list(nf.children)
        signature = lambda k: tuple(id(n) for n in k.nodes)  # noqa: E731
        kids = nf.children[runtimes[0]] if runtimes else []
        if uniform_selection(nf) and all(self.sg.graphs_resolving(iface, k.name, self.labels) for k in kids):
            # Neither __typename nor a type condition: the real type is never needed, so no
            # subgraph is asked for it (the interface's fields are planned from here).
            out.add_typename()
            return self.plan_fields(group, graph, iface, path, out, kids, None)
        owners = [
            g
            for g in self.sg.graph_order
            if g != graph
            and not self.sg.is_interface_object(iface, g)
            and self.sg.resolvable_keys(iface, g)
        ]
        if not owners:
            raise PlanningError(f'cannot plan "{iface}": no subgraph resolves its implementations by key')
        for owner in owners:
            for key in self.sg.resolvable_keys(iface, owner):
                if self._key_local(graph, iface, key):
                    break
            else:
                continue
            break
        else:
            owner, key = owners[0], self.sg.resolvable_keys(iface, owners[0])[0]
        out.add_typename()
        key_fields = self.p.fieldset(iface, key.selection)
        deps = {group} | self.plan_fields(group, graph, iface, path, out, key_fields, None, for_key=True)
        # Fields selected on the interface itself (the same selection for every runtime type) that
        # some subgraph serves for the interface as a whole are planned from here (locally, or by
        # the interface's key); only the rest waits for the real type.
        shared = set.intersection(*({signature(k) for k in nf.children[rt]} for rt in runtimes)) if runtimes else set()
        here = [
            k
            for k in (nf.children[runtimes[0]] if runtimes else [])
            if k.name != "__typename"
            and signature(k) in shared
            and self.sg.graphs_resolving(iface, k.name, self.labels)
        ]
        used_here = self.plan_fields(group, graph, iface, path, out, here, None) if here else set()
        done = {signature(k) for k in here}
        target = self.entity_group(owner, path, group.chunk, deps)
        rep = target.reps.get((iface, None))
        if rep is None:
            rep = RepBuilder(iface, {iface}, None)
            target.reps[(iface, None)] = rep
            rep.selection.add_typename()
        for kf in key_fields:
            source = key_at(out, kf)
            copy_rep(rep.selection, kf, source)
            if source not in rep.key_fields:
                rep.key_fields.append(source)
        frag = target.selection.add_fragment(iface)
        inherit_reserved(frag, out)
        frag.add_typename()
        used = {target} | used_here
        possible = self.sg.possible_types_in_graph(iface, owner)
        for rt, kids in nf.children.items():
            kids = [k for k in kids if k.name != "__typename" and signature(k) not in done]
            if rt not in possible or not kids:
                continue
            sub = frag.add_fragment(rt)
            used |= self.plan_fields(target, owner, rt, path, sub, kids, None)
        return used

    # ------------------------------------------------------------ roots
    def build(self, root_type: GraphQLObjectType, fields: list[NField]) -> QueryPlan:
        local = tuple(f.key for f in fields if f.name in ("__schema", "__type"))
        planned = [f for f in fields if f.name not in ("__typename", "__schema", "__type")]
        root = root_type.name
        chunks: list[tuple[str, list[NField]]] = []
        if self.kind == "mutation":
            for nf in planned:
                g = self.choose_root_graph(root, nf, [c[0] for c in chunks[-1:]])
                if chunks and chunks[-1][0] == g:
                    chunks[-1][1].append(nf)
                else:
                    chunks.append((g, [nf]))
        else:
            by_graph: dict[str, list[NField]] = {}
            for nf in planned:
                g = self.choose_root_graph(root, nf, list(by_graph))
                by_graph.setdefault(g, []).append(nf)
            chunks = list(by_graph.items())
        for i, (graph, nfs) in enumerate(chunks):
            chunk = i if self.kind == "mutation" else 0
            group = self.new_group(graph, (), chunk, False)
            self.plan_fields(group, graph, root, (), group.selection, nfs, None)
        emitter = Emitter(self.sg, self.p.full, self.kind, self.op_name, self.var_defs)
        return QueryPlan(emitter.plan_node(self.groups), local)

    def choose_root_graph(self, root: str, nf: NField, preferred: list[str]) -> str:
        candidates = self.sg.graphs_resolving(root, nf.name, self.labels)
        if not candidates:
            raise PlanningError(f'no subgraph serves "{root}.{nf.name}"')
        if len(candidates) == 1:
            return candidates[0]
        order = self.sg.graph_order
        return max(
            candidates,
            key=lambda g: (self.coverage(g, root, [nf]), g in preferred, -order.index(g)),
        )


def _rep_fits(group: Group, rep_key: tuple[str, str | None], sources: list[tuple[str, str]]) -> bool:
    """Whether `group`'s representation for `rep_key` can also carry these required fields
    (name, response key read): one representation has one value per field name, so a field
    required with other arguments (another response key) needs its own fetch."""
    rep = group.reps.get(rep_key)
    if rep is None:
        return True
    for name, source in sources:
        for item in rep.selection.items.values():
            if isinstance(item, SelField) and item.name == name and item.key != source:
                return False
    return True
