"""Merging validated subgraphs into the supergraph model, recording ownership with `join__*`
directive applications (Apollo's `merging/merge.ts` rules, rewritten over our model)."""

from __future__ import annotations

from graphql.language import NonNullTypeNode, ValueNode, print_ast

from .access import build_access_map
from .context import CompositionContext, Override
from .enums import merge_enum
from .fieldtypes import merge_default, merge_type_ref
from .inputs import merge_input
from .interfaces import add_interface_object_fields
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
    Field,
    TypeDef,
)
from .rules.override import validate_override
from .supergraph import Supergraph, printable_subgraphs
from .typerefs import is_strict_subtype, same_type
from .values import boolean, same, string

KIND_NAMES = {
    "object": "Object Type", "interface": "Interface Type", "union": "Union Type",
    "enum": "Enum Type", "input": "Input Object Type", "scalar": "Scalar Type",
}  # fmt: skip


class Merger:
    """Builds `ctx.out` from the checked subgraphs; validation rules run on the result."""

    def __init__(self, ctx: CompositionContext) -> None:
        self.ctx = ctx

    # -- the merge -------------------------------------------------------------------------------
    def merge(self) -> Supergraph:
        order: list[str] = []
        kinds: dict[str, str] = {}
        mismatched: set[str] = set()
        for i, s in enumerate(self.ctx.subs):
            for t in s.types.values():
                k = self.ctx.kind_in(i, t)
                if t.name not in kinds:
                    kinds[t.name] = k
                    order.append(t.name)
                elif kinds[t.name] != k:
                    mismatched.add(t.name)
        for name in sorted(mismatched):
            parts = []
            for s in self.ctx.subs:
                found = s.types.get(name)
                if found is not None:
                    label = (
                        "Interface Object Type (Object Type with @interfaceObject)"
                        if found.has(INTERFACE_OBJECT)
                        else KIND_NAMES[found.kind]
                    )
                    parts.append(f'{label} in subgraph "{s.name}"')
            self.ctx.sink.error(
                "TYPE_KIND_MISMATCH",
                f'Type "{name}" has mismatched kind: it is defined as ' + " but ".join(parts),
                None,
                name,
            )
        for name in order:
            self.ctx.out.types[name] = TypeDef(name, kinds[name], has_definition=True)
        for name in order:
            if kinds[name] in ("object", "interface"):
                self.ctx.out.types[name].interfaces = self._implements(name)
                for itf in self.ctx.out.types[name].interfaces:
                    if kinds.get(itf, "interface") != "interface":
                        self.ctx.sink.error(
                            "INVALID_GRAPHQL",
                            f"Cannot implement non-interface type {itf} (of type {KIND_NAMES[kinds[itf]].replace(' ', '')})",
                            None,
                            name,
                        )
            if kinds[name] == "union":
                self.ctx.out.types[name].members = self._members(name)
                for member in self.ctx.out.types[name].members:
                    if kinds.get(member, "object") != "object":
                        self.ctx.sink.error(
                            "INVALID_GRAPHQL",
                            f"Cannot add non-object type {member} (of type {KIND_NAMES[kinds[member]].replace(' ', '')}) as member of union type {name}",
                            None,
                            name,
                        )
        build_access_map(self.ctx)
        by_kind = {k: [n for n in order if kinds[n] == k] for k in KIND_NAMES}
        for kind in ("union", "scalar", "input", "interface", "object", "enum"):
            for name in by_kind[kind]:
                self._merge_type(name)
        add_interface_object_fields(self.ctx)
        for op, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        ):
            root = self.ctx.out.types.get(name)
            if root is not None and root.fields:
                self.ctx.out.roots[op] = name
            elif root is not None and root.kind == "object" and not root.fields:
                del self.ctx.out.types[name]
        if "query" not in self.ctx.out.roots:
            self.ctx.sink.error(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        for s in self.ctx.subs:
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
        return self.ctx.out

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
                self.ctx.out.features.add(short)

    def _implements(self, name: str) -> list[str]:
        out: list[str] = []
        for _, t in self.ctx.sources(name):
            out += [i for i in t.interfaces if i not in out]
        return out

    def _members(self, name: str) -> list[str]:
        out: list[str] = []
        for _, t in self.ctx.sources(name):
            out += [m for m in t.members if m not in out]
        return out

    def _merge_type(self, name: str) -> None:
        dest = self.ctx.out.types[name]
        sources = self.ctx.sources(name)
        is_root = name in ("Query", "Mutation", "Subscription")
        if (
            not is_root
            and dest.kind in ("object", "interface")
            and all(t.has_extension and not t.has_definition for _, t in sources)
        ):
            for i, _ in sources:
                self.ctx.sink.error(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{self.ctx.subs[i].name}] Type "{name}" is an extension type, but there is no type definition for "{name}" in any subgraph.',
                    self.ctx.subs[i].name,
                    name,
                )
        dest.description = self.ctx.description(sources)
        join_types = []
        for i, t in sources:
            itf_obj: dict[str, ValueNode] = (
                {"isInterfaceObject": boolean(True)}
                if t.kind == "object" and t.has(INTERFACE_OBJECT)
                else {}
            )
            keys = t.applied(KEY)
            if not keys:
                join_types.append(Applied("join__type", {"graph": self.ctx.g(i), **itf_obj}))
            for key in keys:
                args: dict[str, ValueNode] = {
                    "graph": self.ctx.g(i),
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
                    Applied("join__implements", {"graph": self.ctx.g(i), "interface": string(itf)})
                    for itf in t.interfaces
                ]
        extra = self.ctx.access_extra.get(name, []) if dest.kind == "interface" else []
        dest.directives = join_types + impls + self.ctx.directives(sources, extra)
        if dest.kind == "object" or dest.kind == "interface":
            self._merge_fields(dest, sources)
        elif dest.kind == "union":
            for m in dest.members:
                for i, t in sources:
                    if m in t.members:
                        dest.directives.append(
                            Applied(
                                "join__unionMember", {"graph": self.ctx.g(i), "member": string(m)}
                            )
                        )
        elif dest.kind == "enum":
            merge_enum(self.ctx, dest, sources)
        elif dest.kind == "input":
            merge_input(self.ctx, dest, sources)

    # -- object and interface fields -------------------------------------------------------------
    def _merge_fields(self, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
        names: list[str] = []
        for _, t in sources:
            names += [n for n in t.fields if n not in names]
        for fname in names:
            fsources: list[tuple[int, Field | None]] = [
                (i, t.fields.get(fname)) for i, t in sources
            ]
            out = Field(fname, PLACEHOLDER, dest.name)
            dest.fields[fname] = out
            overrides = validate_override(self.ctx, dest, out, fsources)
            self.ctx.overrides[out.coordinate] = overrides
            if dest.name == "Subscription" and any(
                f is not None and f.has(SHAREABLE) for _, f in fsources
            ):
                self.ctx.sink.error(
                    "INVALID_FIELD_SHARING",
                    "Fields on root level subscription object cannot be marked as shareable",
                    None,
                    out.coordinate,
                )
            self.ctx.overridden.update(
                (i, out.coordinate)
                for i, o in overrides.items()
                if (o.used or o.unused) and not o.label
            )
            self.ctx.dropped.update(
                (i, out.coordinate) for i, o in overrides.items() if o.unused and not o.label
            )
            if not self._merge_field(dest, out, fsources, overrides):
                del dest.fields[fname]

    def _merge_field(
        self,
        dest: TypeDef,
        out: Field,
        fsources: list[tuple[int, Field | None]],
        overrides: dict[int, Override],
    ) -> bool:
        present = [(i, f) for i, f in fsources if f is not None]
        if all(
            self.ctx.metas[i].is_external(f) for i, f in present
        ) and not self._abstracted_elsewhere(dest, out.name, fsources):
            subs = [self.ctx.subs[i].name for i, _ in present]
            self.ctx.sink.error(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{out.coordinate}" is marked @external on all the subgraphs in which it is listed ({printable_subgraphs(subs)}).',
                subs[0] if len(subs) == 1 else None,
                out.coordinate,
            )
            return False
        internal = [(i, f) for i, f in present if not self.ctx.metas[i].is_external(f)]
        for i, f in present:
            if self.ctx.metas[i].is_external(f):
                for d in self.ctx.directives([(i, f)]):
                    args = ", ".join(f"{k}: {print_ast(v)}" for k, v in d.args.items())
                    shown = f"@{d.name}({args})" if args else f"@{d.name}"
                    self.ctx.sink.error(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f'[{self.ctx.subs[i].name}] Cannot apply merged directive {shown} to external field "{f.coordinate}"',
                        self.ctx.subs[i].name,
                        f.coordinate,
                    )
        out.description = self.ctx.description(internal)
        out.directives = self.ctx.directives(internal, self.ctx.access_extra.get(out.coordinate))
        out.args = self._merge_arguments(out.coordinate, internal)
        all_equal = merge_type_ref(
            self.ctx, out, internal or present, out.coordinate, is_input=False
        )
        for i, f in present:
            if self.ctx.metas[i].is_external(f) and not (
                same_type(out.type, f.type)
                or (not all_equal and is_strict_subtype(out.type, f.type, self.ctx.direct))
            ):
                self.ctx.sink.error(
                    "EXTERNAL_TYPE_MISMATCH",
                    f'Type of field "{out.coordinate}" is incompatible across subgraphs (where marked @external): it has type "{print_ast(out.type)}" in some subgraphs but type "{print_ast(f.type)}" in subgraph "{self.ctx.subs[i].name}"',
                    self.ctx.subs[i].name,
                    out.coordinate,
                )
        self._check_external_arguments(out, present)
        self._add_join_field(out, fsources, all_equal, overrides)
        return True

    def _check_external_arguments(self, out: Field, present: list[tuple[int, Field]]) -> None:
        """An @external declaration must accept the arguments the resolving subgraphs define."""
        for i, f in present:
            if not self.ctx.metas[i].is_external(f):
                continue
            sub = self.ctx.subs[i].name
            for name, dest_arg in out.args.items():
                coordinate = f"{out.coordinate}({name}:)"
                arg = f.args.get(name)
                if arg is None:
                    self.ctx.sink.error(
                        "EXTERNAL_ARGUMENT_MISSING",
                        f'Field "{out.coordinate}" is missing argument "{coordinate}" in some subgraphs where it is marked @external: argument "{coordinate}" is declared in some subgraphs but not in subgraph "{sub}" (where "{out.coordinate}" is @external).',
                        sub,
                        coordinate,
                    )
                    continue
                if not (
                    same_type(dest_arg.type, arg.type)
                    or is_strict_subtype(arg.type, dest_arg.type, self.ctx.direct)
                ):
                    self.ctx.sink.error(
                        "EXTERNAL_ARGUMENT_TYPE_MISMATCH",
                        f'Type of argument "{coordinate}" is incompatible across subgraphs (where "{out.coordinate}" is marked @external): it has type "{print_ast(dest_arg.type)}" in some subgraphs but type "{print_ast(arg.type)}" in subgraph "{sub}"',
                        sub,
                        coordinate,
                    )
                if not same(dest_arg.default, arg.default):
                    self.ctx.sink.error(
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
        for i, sub in enumerate(self.ctx.subs):
            if i in having or dest.name in sub.types:
                continue
            for itf in dest.interfaces:
                t = sub.types.get(itf)
                if (
                    t is not None
                    and t.kind == "object"
                    and field in t.fields
                    and not self.ctx.metas[i].is_external(t.fields[field])
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
            missing = [self.ctx.subs[i].name for i, a in asrc if a is None]
            if missing:
                required = [
                    self.ctx.subs[i].name
                    for i, a in asrc
                    if a is not None and isinstance(a.type, NonNullTypeNode) and a.default is None
                ]
                if required:
                    self.ctx.sink.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{coordinate}({name}:)" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                        None,
                        f"{coordinate}({name}:)",
                    )
                continue
            present = [(i, a) for i, a in asrc if a is not None]
            arg = Argument(name, PLACEHOLDER)
            arg.description = self.ctx.description(present)
            arg.directives = self.ctx.directives(present)
            merge_type_ref(self.ctx, arg, present, f"{coordinate}({name}:)", is_input=True)
            arg.default = merge_default(
                self.ctx,
                present,
                f"{coordinate}({name}:)",
                "Argument",
                "FIELD_ARGUMENT_DEFAULT_MISMATCH",
            )
            out[name] = arg
        return out

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
                if self.ctx.metas[i].is_external(f) or f.has(PROVIDES) or f.has(REQUIRES):
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
            args: dict[str, ValueNode] = {"graph": self.ctx.g(i)}
            for d, arg in ((REQUIRES, "requires"), (PROVIDES, "provides")):
                apps = f.applied(d)
                if apps:
                    args[arg] = string(apps[0].arg_str("fields") or "")
            ov = f.applied(OVERRIDE)
            if ov:
                args["override"] = string(ov[-1].arg_str("from") or "")
            if not all_equal:
                args["type"] = string(print_ast(f.type))
            if self.ctx.metas[i].is_external(f):
                args["external"] = boolean(True)
            if o.used:
                args["usedOverridden"] = boolean(True)
            if o.label:
                args["overrideLabel"] = string(o.label)
            out.directives.append(Applied("join__field", args))
