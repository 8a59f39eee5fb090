"""Can every query the supergraph accepts be planned? (Apollo's `validate.ts`, simplified.)

Walk the supergraph from its root fields keeping, at each type, the set of subgraphs a plan could be
"in". A field is reachable from a subgraph that resolves it, or through entity jumps (`@key`s whose
fields the current subgraph can provide) to one that does. When no subgraph of the set reaches a
field, no plan exists: SATISFIABILITY_ERROR. Where this model is coarser than Apollo's query graph
(@provides paths, @requires inputs, @interfaceObject type resolution) it errs on accepting.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from graphql.language import FieldNode, InlineFragmentNode, SelectionSetNode, print_ast

from ..context import CompositionContext
from ..errors import ErrorSink
from ..fieldset import FieldSetError, parse_field_set
from ..metadata import Metadata
from ..model import INTERFACE_OBJECT, KEY, REQUIRES, Field, Subgraph, TypeDef, named_type
from ..supergraph import Supergraph, printable_subgraphs

MAX_STATES = 20_000  # bounds the walk on pathological supergraphs


@dataclass(frozen=True)
class _Step:
    label: str  # "field" or "... on Type"


class Satisfiability:
    def __init__(
        self,
        sg: Supergraph,
        subs: list[Subgraph],
        metas: list[Metadata],
        overridden: set[tuple[int, str]],
        dropped: set[tuple[int, str]],
        sink: ErrorSink,
        labeled: dict[str, tuple[frozenset[int], frozenset[int]]] | None = None,
    ) -> None:
        self.dropped = dropped
        # Progressive overrides: coordinate -> (subgraphs overriding it, subgraphs overridden).
        self.labeled = labeled or {}
        self.sg = sg
        self.subs = subs
        self.metas = metas
        self.overridden = overridden
        self.sink = sink
        self.reported: set[str] = set()
        self.closures: dict[tuple[int, str], frozenset[int]] = {}
        self.checking: set[tuple[int, str]] = set()  # @requires being checked (cycles)
        self.resolvers: dict[tuple[str, str], frozenset[int]] = {}
        # Closures being computed (their partial sets) and whether a result used a partial one,
        # in which case it is not memoised: a key's condition may need the closure it extends.
        self.in_progress: dict[tuple[int, str], set[int]] = {}
        self.partial = False

    # -- what one subgraph can do ------------------------------------------------------------------
    def resolves(self, i: int, type_name: str, field: str) -> bool:
        t = self.subs[i].types.get(type_name)
        if t is None or t.kind not in ("object", "interface") or field not in t.fields:
            return False
        f = t.fields[field]
        if (i, f.coordinate) in self.overridden:
            # Still kept for keys/@requires/@provides, it counts as @external there: only a
            # @provides can make it local again.
            return (i, f.coordinate) not in self.dropped and f.coordinate in self.metas[i].provided
        if self.metas[i].is_external(f):
            return f.coordinate in self.metas[i].provided
        if t.kind == "interface" and not self._served_by_every_implementation(i, type_name, field):
            return False
        return self._requirements_met(i, type_name, f)

    def _served_by_every_implementation(self, i: int, itf: str, field: str) -> bool:
        """Apollo's query graph has an edge for an interface field only where every supergraph
        implementation the subgraph defines serves it itself (not @external, no @requires);
        otherwise a plan goes through the implementations, one by one."""
        sup = self.sg.types.get(itf)
        if sup is None:
            return True
        for name in self._possible(sup):
            o = self.subs[i].types.get(name)
            if o is None:
                continue
            f = o.fields.get(field)
            if f is None or self.metas[i].is_external(f) or f.has(REQUIRES):
                return False
        return True

    def _requirements_met(self, i: int, type_name: str, f: Field) -> bool:
        """A @requires field needs each required field reachable from its own subgraph."""
        requires = f.applied(REQUIRES)
        if not requires or (i, f.coordinate) in self.checking:
            return True
        self.checking.add((i, f.coordinate))
        try:
            selection = parse_field_set(requires[0].arg_str("fields") or "")
            names = [
                s.name.value
                for s in selection.selections
                if isinstance(s, FieldNode) and s.name.value != "__typename"
            ]
            return all(self.reach(frozenset({i}), type_name, name) for name in names)
        except FieldSetError:
            return True
        finally:
            self.checking.discard((i, f.coordinate))

    def _entry_types(self, j: int, type_name: str) -> list[TypeDef]:
        """Types of subgraph j through which an entity of `type_name` can be fetched."""
        out = []
        t = self.subs[j].types.get(type_name)
        if t is not None:
            out.append(t)
        sup = self.sg.types.get(type_name)
        if sup is not None and sup.kind == "object":
            for itf in sup.interfaces:
                it = self.subs[j].types.get(itf)
                if it is not None and it.kind == "object" and it.has(INTERFACE_OBJECT):
                    out.append(it)
        return out

    def _can_jump(self, having: frozenset[int], type_name: str, j: int) -> bool:
        """Can a plan standing at `type_name` in the subgraphs `having` fetch the entity from j?

        As in Apollo's query graph, a key edge's condition is resolved by a sub-plan: every key
        field must be served by one of `having` (subgraphs the entity is already reachable in),
        and a nested selection may take further entity jumps from there (a compound key whose
        parts live in different subgraphs)."""
        for entry in self._entry_types(j, type_name):
            for key in entry.applied(KEY):
                if key.arg_bool("resolvable") is False:
                    continue
                try:
                    selection = parse_field_set(key.arg_str("fields") or "")
                except FieldSetError:
                    continue
                if self._selection_available(having, type_name, selection, top=True):
                    return True
        return False

    def _selection_available(
        self, having: frozenset[int], type_name: str, selection: SelectionSetNode, top: bool
    ) -> bool:
        """Can every field of `selection` be fetched from `having` at `type_name`? At the top the
        set is the (partial) closure being built, so no jump is taken from it again."""
        parent = self.sg.types.get(type_name)
        if parent is None:
            return False
        for sel in selection.selections:
            if isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else type_name
                knowing = frozenset(k for k in having if cond in self.subs[k].types)
                if knowing and not self._selection_available(
                    knowing, cond, sel.selection_set, top and cond == type_name
                ):
                    return False
                continue
            if not isinstance(sel, FieldNode) or sel.name.value == "__typename":
                continue
            name = sel.name.value
            f = parent.fields.get(name)
            if f is None:
                return False
            reached = (
                having & self._resolvers(type_name, name)
                if top
                else self.reach(having, type_name, name)
            )
            if not reached:
                return False
            if sel.selection_set is not None and not self._selection_available(
                reached, named_type(f.type), sel.selection_set, top=False
            ):
                return False
        return True

    def closure(self, i: int, type_name: str) -> frozenset[int]:
        """Subgraphs reachable from subgraph i at `type_name` through chains of entity jumps."""
        key = (i, type_name)
        found = self.closures.get(key)
        if found is not None:
            return found
        if key in self.in_progress:
            self.partial = True
            return frozenset(self.in_progress[key])
        outer_partial, self.partial = self.partial, False
        seen = {i}
        self.in_progress[key] = seen
        try:
            grown = True
            while grown:  # a jump can make another one's condition available
                grown = False
                for j in range(len(self.subs)):
                    if j not in seen and self._can_jump(frozenset(seen), type_name, j):
                        seen.add(j)
                        grown = True
        finally:
            del self.in_progress[key]
        result = frozenset(seen)
        if not self.partial:
            self.closures[key] = result
        self.partial = self.partial or outer_partial
        return result

    def reach(self, current: frozenset[int], type_name: str, field: str) -> frozenset[int]:
        out: set[int] = set()
        for i in current:
            out |= self._reach_one(i, type_name, field)
        return frozenset(out)

    def _reach_one(self, i: int, type_name: str, field: str) -> frozenset[int]:
        """Subgraphs that resolve `type_name.field`, reachable from subgraph i (memoised)."""
        return self.closure(i, type_name) & self._resolvers(type_name, field)

    def _resolvers(self, type_name: str, field: str) -> frozenset[int]:
        """Every subgraph that resolves `type_name.field` itself (memoised)."""
        key = (type_name, field)
        found = self.resolvers.get(key)
        if found is None:
            outer_partial, self.partial = self.partial, False
            found = frozenset(
                j
                for j in range(len(self.subs))
                if self.resolves(j, type_name, field)
                or self._via_interface_object(j, type_name, field)
            )
            # Computed inside a @requires check or from a partial closure, it may be partial.
            if not self.checking and not self.partial:
                self.resolvers[key] = found
            self.partial = self.partial or outer_partial
        return found

    def _via_interface_object(self, j: int, type_name: str, field: str) -> bool:
        sup = self.sg.types.get(type_name)
        if sup is None or sup.kind != "object":
            return False
        for itf in sup.interfaces:
            it = self.subs[j].types.get(itf)
            if (
                it is not None
                and it.kind == "object"
                and it.has(INTERFACE_OBJECT)
                and self.resolves(j, itf, field)
            ):
                return True
        return False

    # -- the walk ----------------------------------------------------------------------------------
    def run(self) -> None:
        states = 0
        queue: deque[tuple[str, frozenset[int], tuple[str, ...]]] = deque()
        seen: set[tuple[str, frozenset[int]]] = set()
        for op in ("query", "mutation", "subscription"):
            root = self.sg.roots.get(op)
            if root is None:
                continue
            having = frozenset(i for i, s in enumerate(self.subs) if root in s.types)
            queue.append((root, having, ()))
        while queue and states < MAX_STATES:
            type_name, current, path = queue.popleft()
            if (type_name, current) in seen or not current:
                continue
            seen.add((type_name, current))
            states += 1
            t = self.sg.types.get(type_name)
            if t is None:
                continue
            # As in Apollo's validation, an interface is only left through type conditions: its
            # fields are checked on each implementation (which has them all), where plans run.
            if t.kind == "object":
                for fname, f in t.fields.items():
                    if _inaccessible(f.directives):
                        continue
                    reached = self.reach(current, type_name, fname)
                    if not reached or not self._both_label_values(f.coordinate, reached):
                        self._report(type_name, fname, current, path)
                        continue
                    target = self.sg.types.get(named_type(f.type))
                    if (
                        target is not None
                        and target.kind in ("interface", "union")
                        and t.kind == "object"
                        and not self._runtime_types_intersect(t, f, target, reached, path)
                    ):
                        continue
                    if (
                        target is not None
                        and target.kind in ("object", "interface", "union")
                        and not _inaccessible(target.directives)
                    ):
                        queue.append((target.name, reached, (*path, fname)))
            if t.kind in ("interface", "union"):
                for impl in self._possible(t):
                    if _inaccessible(self.sg.types[impl].directives):
                        continue  # not in the API schema: no query can reach it
                    knowing, impossible = self._downcast(current, t, impl)
                    if knowing:
                        queue.append((impl, knowing, (*path, f"... on {impl}")))
                    elif not impossible:
                        self._report_no_implementation(t.name, impl, current, path)

    def _downcast(
        self, current: frozenset[int], abstract: TypeDef, impl: str
    ) -> tuple[frozenset[int], bool]:
        """Where a plan may stand at `... on impl`, and whether some current subgraph simply never
        returns `impl` there (no error: the condition never matches). An @interfaceObject does
        not know the implementations: it must first jump, by a key whose fields it has, to a
        subgraph that defines the interface and `impl`."""
        knowing: set[int] = set()
        impossible = False
        for i in current:
            if self._is_interface_object(i, abstract.name):
                jumps = {
                    j
                    for j in self.closure(i, abstract.name)
                    if not self._is_interface_object(j, abstract.name)
                    and self._knows(j, abstract, impl)
                }
                knowing.update(jumps)
                if jumps:
                    # Apollo's "fake downcast": once the runtime type can be learnt elsewhere, the
                    # plan may stay here for the interface object's own fields under `... on impl`.
                    knowing.add(i)
            elif self._knows(i, abstract, impl):
                knowing.add(i)
            else:
                impossible = True
        return frozenset(knowing), impossible

    def _report_no_implementation(
        self, itf: str, impl: str, current: frozenset[int], path: tuple[str, ...]
    ) -> None:
        if f"{itf}:{impl}" in self.reported:
            return
        self.reported.add(f"{itf}:{impl}")
        reasons = "\n".join(
            f'- from subgraph "{self.subs[i].name}": no subgraph can be reached to resolve the'
            f' implementation type of @interfaceObject type "{itf}"'
            for i in sorted(current)
        )
        self.sink.error(
            "SATISFIABILITY_ERROR",
            f"The following supergraph API query:\n{_witness([*path, f'... on {impl}', '...'])}\n"
            f"cannot be satisfied by the subgraphs because:\n{reasons}",
            None,
            itf,
        )

    def _both_label_values(self, coordinate: str, reached: frozenset[int]) -> bool:
        """A field behind a progressive @override must be reachable with the label on (only the
        overriding subgraphs serve it) and off (only the overridden ones do), as Apollo checks."""
        split = self.labeled.get(coordinate)
        if split is None:
            return True
        overriding, overridden = split
        return bool(reached - overridden) and bool(reached - overriding)

    def _runtime_types_intersect(
        self,
        parent: TypeDef,
        f: Field,
        target: TypeDef,
        reached: frozenset[int],
        path: tuple[str, ...],
    ) -> bool:
        """A shared field of abstract type must be able to return some common runtime type in
        every subgraph a plan may take it from (Apollo's SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES).
        Subgraphs seeing the type as an object (@interfaceObject) take no part."""
        if len(reached) < 2 or len(self._resolvers(parent.name, f.name)) < 2:
            return True
        every = set(self._possible(target))
        per_subgraph: dict[int, list[str]] = {}
        for j in sorted(reached):
            seen_as = self.subs[j].types.get(target.name)
            if seen_as is None or seen_as.kind not in ("interface", "union"):
                continue
            per_subgraph[j] = sorted(o for o in every if self._knows(j, target, o))
        if len(per_subgraph) < 2 or not any(per_subgraph.values()):
            return True
        common = set(every)
        for names in per_subgraph.values():
            common &= set(names)
        if common:
            return True
        by_types: dict[str, list[str]] = {}
        for j, names in per_subgraph.items():
            listed = (
                ("types " if len(names) > 1 else "type ") + ", ".join(f'"{n}"' for n in names)
                if names
                else "no runtime type is defined"
            )
            by_types.setdefault(listed, []).append(self.subs[j].name)
        lines = ";\n".join(
            f" - in {printable_subgraphs(names)}, {listed}" for listed, names in by_types.items()
        )
        self.sink.error(
            "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
            f"For the following supergraph API query:\n{_witness([*path, f.name, '...'])}\n"
            f'Shared field "{f.coordinate}" return type "{print_ast(f.type)}" has a non-intersecting'
            f" set of possible runtime types across subgraphs. Runtime types in subgraphs are:\n"
            f"{lines}.\nThis is not allowed as shared fields must resolve the same way in all"
            " subgraphs, and that implies at least some common runtime types between the subgraphs.",
            None,
            f.coordinate,
        )
        return False

    def _possible(self, t: TypeDef) -> list[str]:
        if t.kind == "union":
            return list(t.members)
        return [
            o.name for o in self.sg.types.values() if o.kind == "object" and t.name in o.interfaces
        ]

    def _knows(self, i: int, abstract: TypeDef, impl: str) -> bool:
        sub_t = self.subs[i].types.get(abstract.name)
        if sub_t is None or not self._has_fields(i, impl):
            return False
        if abstract.kind == "union":
            return impl in sub_t.members
        o = self.subs[i].types.get(impl)
        return o is not None and abstract.name in o.interfaces

    def _has_fields(self, i: int, type_name: str) -> bool:
        """A type all of whose fields were overridden away is gone from that subgraph."""
        t = self.subs[i].types.get(type_name)
        return t is not None and any(
            (i, f.coordinate) not in self.dropped for f in t.fields.values()
        )

    def _is_interface_object(self, i: int, name: str) -> bool:
        t = self.subs[i].types.get(name)
        return t is not None and t.kind == "object" and t.has(INTERFACE_OBJECT)

    def _report(
        self, type_name: str, field: str, current: frozenset[int], path: tuple[str, ...]
    ) -> None:
        coordinate = f"{type_name}.{field}"
        if coordinate in self.reported:
            return
        self.reported.add(coordinate)
        query = _witness([*path, field])
        having = [
            self.subs[j].name for j in range(len(self.subs)) if self.resolves(j, type_name, field)
        ]
        reasons = "\n".join(
            f'- from subgraph "{self.subs[i].name}": cannot find field "{coordinate}"'
            + (
                f" and cannot move to {', '.join(chr(34) + h + chr(34) for h in having)} (no usable @key)"
                if having
                else ""
            )
            for i in sorted(current)
        )
        self.sink.error(
            "SATISFIABILITY_ERROR",
            f"The following supergraph API query:\n{query}\ncannot be satisfied by the subgraphs because:\n{reasons}",
            None,
            coordinate,
        )


def _witness(steps: list[str]) -> str:
    """The query that reaches the last step, printed the way Apollo prints its witnesses."""
    query = "{\n" + "".join("  " * (n + 1) + s + " {\n" for n, s in enumerate(steps[:-1]))
    query += "  " * len(steps) + steps[-1] + "\n"
    return query + "".join("  " * (n + 1) + "}\n" for n in reversed(range(len(steps) - 1))) + "}"


def _inaccessible(directives: list) -> bool:
    return any(d.name == "inaccessible" for d in directives)


def check_satisfiability(ctx: CompositionContext) -> None:
    """SATISFIABILITY_ERROR (and SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES) over the merged supergraph;
    `ctx.overridden` are fields a subgraph no longer resolves, `ctx.dropped` those it no longer has."""
    labeled = {}
    for coordinate, overrides in ctx.overrides.items():
        with_label = {i: o for i, o in overrides.items() if o.label}
        if with_label:
            overridden = frozenset(i for i, o in with_label.items() if o.used or o.unused)
            labeled[coordinate] = (frozenset(with_label) - overridden, overridden)
    Satisfiability(
        ctx.out, ctx.subs, ctx.metas, ctx.overridden, ctx.dropped, ctx.sink, labeled
    ).run()
