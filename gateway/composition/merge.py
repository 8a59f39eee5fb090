"""Merging validated subgraphs into the supergraph model, recording ownership with `join__*`
directive applications (Apollo's `merging/merge.ts` rules, rewritten over our model)."""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import EnumValueNode, NonNullTypeNode, ValueNode, print_ast

from .access import build_access_map
from .applied import merge_applied
from .enums import merge_enum
from .errors import ErrorSink
from .inputs import merge_input
from .interfaces import (
    add_interface_object_fields,
    check_interface_fields_implemented,
    validate_interface_keys,
)
from .metadata import Metadata
from .model import (
    EXTENDS,
    INTERFACE_OBJECT,
    KEY,
    OVERRIDE,
    PLACEHOLDER,
    PROVIDES,
    REQUIRES,
    SHAREABLE,
    Applied,
    Argument,
    Element,
    Field,
    Subgraph,
    TypeDef,
    named_type,
)
from .override import Override, validate_override
from .sharing import validate_sharing
from .supergraph import Supergraph, graph_enum_names, printable_subgraphs
from .typerefs import is_strict_subtype, same_type
from .values import boolean, enum, same, string

KIND_NAMES = {
    "object": "Object Type", "interface": "Interface Type", "union": "Union Type",
    "enum": "Enum Type", "input": "Input Object Type", "scalar": "Scalar Type",
}  # fmt: skip


class Merger:
    def __init__(
        self,
        subs: list[Subgraph],
        metas: list[Metadata],
        sink: ErrorSink,
        composed: dict[str, set[str]],
        repeatable: set[str],
    ) -> None:
        self.subs = subs
        self.metas = metas
        self.sink = sink
        self.composed = composed
        self.repeatable = repeatable
        self.graph = graph_enum_names([s.name for s in subs])
        self.out = Supergraph()
        self.enum_usage: dict[str, str] = {}
        # (subgraph index, field coordinate) no longer resolved there because of an @override.
        self.overridden: set[tuple[int, str]] = set()
        # ... of which those the subgraph does not even keep (no key or @requires uses them).
        self.dropped: set[tuple[int, str]] = set()
        # access control to merge onto interfaces and implementations (access.build_access_map)
        self.access_extra: dict[str, list[list[Applied]]] = {}
        for s in subs:
            self.out.graphs[self.graph[s.name]] = (s.name, s.url)

    # -- helpers ---------------------------------------------------------------------------------
    def kind_in(self, i: int, t: TypeDef) -> str:
        return "interface" if t.kind == "object" and t.has(INTERFACE_OBJECT) else t.kind

    def g(self, i: int) -> EnumValueNode:
        """Subgraph i as a `join__Graph` value."""
        return enum(self.graph[self.subs[i].name])

    def directives(
        self,
        sources: Sequence[tuple[int, Element | None]],
        extra: list[list[Applied]] | None = None,
    ) -> list[Applied]:
        per_source = [
            (el.directives, self.composed.get(self.subs[i].name, set()))
            for i, el in sources
            if el is not None
        ]
        return merge_applied(per_source + [(ds, set()) for ds in extra or []], self.repeatable)

    def description(self, sources: Sequence[tuple[int, Element | None]]) -> str | None:
        descs = [
            el.description for _, el in sources if el is not None and el.description is not None
        ]
        if not descs:
            return None
        distinct = list(dict.fromkeys(descs))
        non_empty = [d for d in distinct if d != ""]
        if len(distinct) == 1:
            return distinct[0]
        if len(non_empty) == 1:
            return non_empty[0]
        return max(distinct, key=lambda d: (descs.count(d) if d else -1, -distinct.index(d)))

    def direct(self, sup: str, sub: str) -> bool:
        t = self.out.types.get(sup)
        s = self.out.types.get(sub)
        if t is None or s is None:
            return False
        if t.kind == "union":
            return sub in t.members
        return sup in s.interfaces

    # -- the merge -------------------------------------------------------------------------------
    def merge(self) -> Supergraph:
        order: list[str] = []
        kinds: dict[str, str] = {}
        mismatched: set[str] = set()
        for i, s in enumerate(self.subs):
            for t in s.types.values():
                k = self.kind_in(i, t)
                if t.name not in kinds:
                    kinds[t.name] = k
                    order.append(t.name)
                elif kinds[t.name] != k:
                    mismatched.add(t.name)
        for name in sorted(mismatched):
            parts = []
            for s in self.subs:
                found = s.types.get(name)
                if found is not None:
                    label = (
                        "Interface Object Type (Object Type with @interfaceObject)"
                        if found.has(INTERFACE_OBJECT)
                        else KIND_NAMES[found.kind]
                    )
                    parts.append(f'{label} in subgraph "{s.name}"')
            self.sink.error(
                "TYPE_KIND_MISMATCH",
                f'Type "{name}" has mismatched kind: it is defined as ' + " but ".join(parts),
                None,
                name,
            )
        for name in order:
            self.out.types[name] = TypeDef(name, kinds[name], has_definition=True)
        for name in order:
            if kinds[name] in ("object", "interface"):
                self.out.types[name].interfaces = self._implements(name)
                for itf in self.out.types[name].interfaces:
                    if kinds.get(itf, "interface") != "interface":
                        self.sink.error(
                            "INVALID_GRAPHQL",
                            f"Cannot implement non-interface type {itf} (of type {KIND_NAMES[kinds[itf]].replace(' ', '')})",
                            None,
                            name,
                        )
            if kinds[name] == "union":
                self.out.types[name].members = self._members(name)
                for member in self.out.types[name].members:
                    if kinds.get(member, "object") != "object":
                        self.sink.error(
                            "INVALID_GRAPHQL",
                            f"Cannot add non-object type {member} (of type {KIND_NAMES[kinds[member]].replace(' ', '')}) as member of union type {name}",
                            None,
                            name,
                        )
        build_access_map(
            self,
        )
        by_kind = {k: [n for n in order if kinds[n] == k] for k in KIND_NAMES}
        for kind in ("union", "scalar", "input", "interface", "object", "enum"):
            for name in by_kind[kind]:
                self._merge_type(name)
        add_interface_object_fields(
            self,
        )
        check_interface_fields_implemented(
            self,
        )
        for op, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        ):
            root = self.out.types.get(name)
            if root is not None and root.fields:
                self.out.roots[op] = name
            elif root is not None and root.kind == "object" and not root.fields:
                del self.out.types[name]
        if "query" not in self.out.roots:
            self.sink.error(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        for s in self.subs:
            for d in s.directive_defs.values():
                for a in d.args.values():
                    self._collect_features(a.directives)
            for t in s.types.values():
                self._collect_features(t.directives)
                for f in t.fields.values():
                    self._collect_features(f.directives)
                    for a in f.args.values():
                        self._collect_features(a.directives)
                for v in t.values.values():
                    self._collect_features(v.directives)
        return self.out

    def _collect_features(self, ds: list[Applied]) -> None:
        for d in ds:
            short = d.name.removeprefix("federation__")
            if short != d.name and short in (
                "tag",
                "inaccessible",
                "authenticated",
                "requiresScopes",
                "policy",
                "cost",
                "listSize",
            ):
                self.out.features.add(short)

    def sources(self, name: str) -> list[tuple[int, TypeDef]]:
        kind = self.out.types[name].kind
        out = []
        for i, s in enumerate(self.subs):
            t = s.types.get(name)
            if t is not None and self.kind_in(i, t) == kind:
                out.append((i, t))
        return out

    def _implements(self, name: str) -> list[str]:
        out: list[str] = []
        for _, t in self.sources(name):
            out += [i for i in t.interfaces if i not in out]
        return out

    def _members(self, name: str) -> list[str]:
        out: list[str] = []
        for _, t in self.sources(name):
            out += [m for m in t.members if m not in out]
        return out

    def _merge_type(self, name: str) -> None:
        dest = self.out.types[name]
        sources = self.sources(name)
        is_root = name in ("Query", "Mutation", "Subscription")
        if (
            not is_root
            and dest.kind in ("object", "interface")
            and all(t.has_extension and not t.has_definition for _, t in sources)
        ):
            for i, _ in sources:
                self.sink.error(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{self.subs[i].name}] Type "{name}" is an extension type, but there is no type definition for "{name}" in any subgraph.',
                    self.subs[i].name,
                    name,
                )
        dest.description = self.description(sources)
        join_types = []
        for i, t in sources:
            itf_obj: dict[str, ValueNode] = (
                {"isInterfaceObject": boolean(True)}
                if t.kind == "object" and t.has(INTERFACE_OBJECT)
                else {}
            )
            keys = t.applied(KEY)
            if not keys:
                join_types.append(Applied("join__type", {"graph": self.g(i), **itf_obj}))
            for key in keys:
                args: dict[str, ValueNode] = {
                    "graph": self.g(i),
                    "key": string(key.arg_str("fields") or ""),
                }
                if key.in_extension or t.has(EXTENDS):
                    args["extension"] = boolean(True)
                if "resolvable" in key.args:
                    args["resolvable"] = key.args["resolvable"]
                args.update(itf_obj)
                join_types.append(Applied("join__type", args))
        impls = []
        if dest.kind in ("object", "interface"):
            for i, t in sources:
                impls += [
                    Applied("join__implements", {"graph": self.g(i), "interface": string(itf)})
                    for itf in t.interfaces
                ]
        extra = self.access_extra.get(name, []) if dest.kind == "interface" else []
        dest.directives = join_types + impls + self.directives(sources, extra)
        if dest.kind == "object":
            self._merge_fields(dest, sources, sharing=True)
        elif dest.kind == "interface":
            validate_interface_keys(self, dest, sources)
            self._merge_fields(dest, sources, sharing=False)
        elif dest.kind == "union":
            for m in dest.members:
                for i, t in sources:
                    if m in t.members:
                        dest.directives.append(
                            Applied("join__unionMember", {"graph": self.g(i), "member": string(m)})
                        )
        elif dest.kind == "enum":
            merge_enum(self, dest, sources)
        elif dest.kind == "input":
            merge_input(self, dest, sources)

    # -- object and interface fields -------------------------------------------------------------
    def _merge_fields(
        self, dest: TypeDef, sources: list[tuple[int, TypeDef]], sharing: bool
    ) -> None:
        names: list[str] = []
        for _, t in sources:
            names += [n for n in t.fields if n not in names]
        for fname in names:
            fsources: list[tuple[int, Field | None]] = [
                (i, t.fields.get(fname)) for i, t in sources
            ]
            out = Field(fname, PLACEHOLDER, dest.name)
            dest.fields[fname] = out
            overrides = validate_override(self, dest, out, fsources)
            if dest.name == "Subscription" and any(
                f is not None and f.has(SHAREABLE) for _, f in fsources
            ):
                self.sink.error(
                    "INVALID_FIELD_SHARING",
                    "Fields on root level subscription object cannot be marked as shareable",
                    None,
                    out.coordinate,
                )
            self.overridden.update(
                (i, out.coordinate)
                for i, o in overrides.items()
                if (o.used or o.unused) and not o.label
            )
            self.dropped.update(
                (i, out.coordinate) for i, o in overrides.items() if o.unused and not o.label
            )
            if not self._merge_field(dest, out, fsources, overrides):
                del dest.fields[fname]
                continue
            if sharing:
                validate_sharing(self, out, fsources, overrides)

    def _merge_field(
        self,
        dest: TypeDef,
        out: Field,
        fsources: list[tuple[int, Field | None]],
        overrides: dict[int, Override],
    ) -> bool:
        present = [(i, f) for i, f in fsources if f is not None]
        if all(self.metas[i].is_external(f) for i, f in present) and not self._abstracted_elsewhere(
            dest, out.name, fsources
        ):
            subs = [self.subs[i].name for i, _ in present]
            self.sink.error(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{out.coordinate}" is marked @external on all the subgraphs in which it is listed ({printable_subgraphs(subs)}).',
                subs[0] if len(subs) == 1 else None,
                out.coordinate,
            )
            return False
        internal = [(i, f) for i, f in present if not self.metas[i].is_external(f)]
        for i, f in present:
            if self.metas[i].is_external(f):
                for d in self.directives([(i, f)]):
                    args = ", ".join(f"{k}: {print_ast(v)}" for k, v in d.args.items())
                    shown = f"@{d.name}({args})" if args else f"@{d.name}"
                    self.sink.error(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f'[{self.subs[i].name}] Cannot apply merged directive {shown} to external field "{f.coordinate}"',
                        self.subs[i].name,
                        f.coordinate,
                    )
        out.description = self.description(internal)
        out.directives = self.directives(internal, self.access_extra.get(out.coordinate))
        out.args = self._merge_arguments(out.coordinate, internal)
        all_equal = self._merge_type_ref(out, internal or present, out.coordinate, is_input=False)
        for i, f in present:
            if self.metas[i].is_external(f) and not (
                same_type(out.type, f.type)
                or (not all_equal and is_strict_subtype(out.type, f.type, self.direct))
            ):
                self.sink.error(
                    "EXTERNAL_TYPE_MISMATCH",
                    f'Type of field "{out.coordinate}" is incompatible across subgraphs (where marked @external): it has type "{print_ast(out.type)}" in some subgraphs but type "{print_ast(f.type)}" in subgraph "{self.subs[i].name}"',
                    self.subs[i].name,
                    out.coordinate,
                )
        self._check_external_arguments(out, present)
        self._add_join_field(out, fsources, all_equal, overrides)
        return True

    def _check_external_arguments(self, out: Field, present: list[tuple[int, Field]]) -> None:
        """An @external declaration must accept the arguments the resolving subgraphs define."""
        for i, f in present:
            if not self.metas[i].is_external(f):
                continue
            sub = self.subs[i].name
            for name, dest_arg in out.args.items():
                coordinate = f"{out.coordinate}({name}:)"
                arg = f.args.get(name)
                if arg is None:
                    self.sink.error(
                        "EXTERNAL_ARGUMENT_MISSING",
                        f'Field "{out.coordinate}" is missing argument "{coordinate}" in some subgraphs where it is marked @external: argument "{coordinate}" is declared in some subgraphs but not in subgraph "{sub}" (where "{out.coordinate}" is @external).',
                        sub,
                        coordinate,
                    )
                    continue
                if not (
                    same_type(dest_arg.type, arg.type)
                    or is_strict_subtype(arg.type, dest_arg.type, self.direct)
                ):
                    self.sink.error(
                        "EXTERNAL_ARGUMENT_TYPE_MISMATCH",
                        f'Type of argument "{coordinate}" is incompatible across subgraphs (where "{out.coordinate}" is marked @external): it has type "{print_ast(dest_arg.type)}" in some subgraphs but type "{print_ast(arg.type)}" in subgraph "{sub}"',
                        sub,
                        coordinate,
                    )
                if not same(dest_arg.default, arg.default):
                    self.sink.error(
                        "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH",
                        f'Argument "{coordinate}" has incompatible defaults across subgraphs (where "{out.coordinate}" is marked @external)',
                        sub,
                        coordinate,
                    )

    def _abstracted_elsewhere(
        self, dest: TypeDef, field: str, fsources: list[tuple[int, Field | None]]
    ) -> bool:
        """Is the field resolved, without the type, through an @interfaceObject of another subgraph?"""
        having = {i for i, _ in fsources}
        for i, sub in enumerate(self.subs):
            if i in having or dest.name in sub.types:
                continue
            for itf in dest.interfaces:
                t = sub.types.get(itf)
                if (
                    t is not None
                    and t.kind == "object"
                    and field in t.fields
                    and not self.metas[i].is_external(t.fields[field])
                ):
                    return True
        return False

    def _merge_arguments(
        self, coordinate: str, internal: list[tuple[int, Field]]
    ) -> dict[str, Argument]:
        names: list[str] = []
        for _, f in internal:
            names += [a for a in f.args if a not in names]
        out: dict[str, Argument] = {}
        for name in names:
            asrc = [(i, f.args.get(name)) for i, f in internal]
            missing = [self.subs[i].name for i, a in asrc if a is None]
            if missing:
                required = [
                    self.subs[i].name
                    for i, a in asrc
                    if a is not None and isinstance(a.type, NonNullTypeNode) and a.default is None
                ]
                if required:
                    self.sink.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{coordinate}({name}:)" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                        None,
                        f"{coordinate}({name}:)",
                    )
                continue
            present = [(i, a) for i, a in asrc if a is not None]
            arg = Argument(name, PLACEHOLDER)
            arg.description = self.description(present)
            arg.directives = self.directives(present)
            self._merge_type_ref(arg, present, f"{coordinate}({name}:)", is_input=True)
            arg.default = self._merge_default(
                present, f"{coordinate}({name}:)", "Argument", "FIELD_ARGUMENT_DEFAULT_MISMATCH"
            )
            out[name] = arg
        return out

    def _merge_default(
        self, present: Sequence[tuple[int, Argument | Field]], coordinate: str, kind: str, code: str
    ) -> ValueNode | None:
        dest = None
        seen = inconsistent = incompatible = False
        for _, a in present:
            if dest is None:
                dest = a.default
                if seen and a.default is not None:
                    inconsistent = True
            elif not same(dest, a.default):
                inconsistent = True
                if a.default is not None:
                    incompatible = True
            seen = True
        if incompatible:
            shown = " but ".join(
                f'{"default value " + print_ast(a.default) if a.default is not None else "no default value"} in subgraph "{self.subs[i].name}"'
                for i, a in present
            )
            self.sink.error(
                code,
                f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has {shown}',
                None,
                coordinate,
            )
        return dest if (not inconsistent or incompatible) else None

    def _merge_type_ref(
        self,
        dest: Field | Argument,
        present: Sequence[tuple[int, Field | Argument]],
        coordinate: str,
        is_input: bool,
    ) -> bool:
        dest_type = None
        incompatible = has_subtypes = False
        for _, el in present:
            t = el.type
            if dest_type is None or same_type(dest_type, t):
                dest_type = t
            elif is_strict_subtype(dest_type, t, self.direct):
                has_subtypes = True
                if is_input:
                    dest_type = t
            elif is_strict_subtype(t, dest_type, self.direct):
                has_subtypes = True
                if not is_input:
                    dest_type = t
            else:
                incompatible = True
        assert dest_type is not None
        dest.type = dest_type
        base = named_type(dest_type)
        target = self.out.types.get(base)
        if target is not None and target.kind == "enum":
            pos = "Input" if is_input else "Output"
            prev = self.enum_usage.get(base)
            self.enum_usage[base] = pos if prev in (None, pos) else "Both"
        if incompatible:
            shown = " and ".join(
                f'type "{print_ast(el.type)}" in subgraph "{self.subs[i].name}"'
                for i, el in present
            )
            code = "ARGUMENT_TYPE_MISMATCH" if isinstance(dest, Argument) else "FIELD_TYPE_MISMATCH"
            what = "argument" if isinstance(dest, Argument) else "field"
            self.sink.error(
                code,
                f'Type of {what} "{coordinate}" is incompatible across subgraphs: it has {shown}',
                None,
                coordinate,
            )
            return False
        return not has_subtypes

    def _needs_join_field(
        self,
        fsources: list[tuple[int, Field | None]],
        all_equal: bool,
        overrides: dict[int, Override],
    ) -> bool:
        if not all_equal or any(o.used or o.label for o in overrides.values()):
            return True
        for i, f in fsources:
            o = overrides.get(i)
            if f is not None and not (o and o.unused):
                if self.metas[i].is_external(f) or f.has(PROVIDES) or f.has(REQUIRES):
                    return True
            else:
                return True  # the subgraph has the type but does not resolve this field
        return False

    def _add_join_field(
        self,
        out: Field,
        fsources: list[tuple[int, Field | None]],
        all_equal: bool,
        overrides: dict[int, Override],
    ) -> None:
        if not self._needs_join_field(fsources, all_equal, overrides):
            return
        for i, f in fsources:
            o = overrides.get(i, Override())
            if f is None or (o.unused and not o.label):
                continue
            args: dict[str, ValueNode] = {"graph": self.g(i)}
            for d, arg in ((REQUIRES, "requires"), (PROVIDES, "provides")):
                apps = f.applied(d)
                if apps:
                    args[arg] = string(apps[0].arg_str("fields") or "")
            ov = f.applied(OVERRIDE)
            if ov:
                args["override"] = string(ov[-1].arg_str("from") or "")
            if not all_equal:
                args["type"] = string(print_ast(f.type))
            if self.metas[i].is_external(f):
                args["external"] = boolean(True)
            if o.used:
                args["usedOverridden"] = boolean(True)
            if o.label:
                args["overrideLabel"] = string(o.label)
            out.directives.append(Applied("join__field", args))
