"""Merging validated subgraphs into the supergraph model, recording ownership with `join__*`
directive applications (Apollo's `merging/merge.ts` rules, rewritten over our model)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql.language import NamedTypeNode, NameNode, NonNullTypeNode, print_ast

from .applied import merge_applied
from .errors import ErrorSink
from .metadata import Metadata
from .model import (
    EXTENDS,
    FED,
    INTERFACE_OBJECT,
    KEY,
    OVERRIDE,
    PROVIDES,
    REQUIRES,
    SHAREABLE,
    Applied,
    Argument,
    EnumValue,
    Field,
    Subgraph,
    TypeDef,
    named_type,
)
from .typerefs import is_strict_subtype, same_type
from .values import boolean, enum, same, string

KIND_NAMES = {
    "object": "Object Type", "interface": "Interface Type", "union": "Union Type",
    "enum": "Enum Type", "input": "Input Object Type", "scalar": "Scalar Type",
}  # fmt: skip
_LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
# Merged types are set once every subgraph has been seen; this stands in until then.
_PLACEHOLDER = NamedTypeNode(name=NameNode(value="String"))
ACCESS_CONTROL = (FED + "authenticated", FED + "requiresScopes", FED + "policy")
_PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


def graph_enum_names(names: list[str]) -> dict[str, str]:
    """Subgraph name -> join__Graph value, sanitised and de-duplicated like Apollo."""
    sanitized: dict[str, list[str]] = {}
    for name in names:
        s = re.sub(r"\W", "_", name)
        if re.match(r"^\d", s):
            s = "_" + s
        if re.search(r"_\d+$", s):
            s += "_"
        sanitized.setdefault(s.upper(), []).append(name)
    out = {}
    for s, subs in sanitized.items():
        for i, name in enumerate(subs):
            out[name] = s if len(subs) == 1 else f"{s}_{i + 1}"
    return out


def printable_subgraphs(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass
class Supergraph:
    types: dict[str, TypeDef] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, tuple[str, str]] = field(default_factory=dict)  # enum value -> (name, url)
    features: set[str] = field(default_factory=set)  # composed federation directives in use
    directive_defs: dict[str, object] = field(default_factory=dict)
    extra_links: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class _Override:
    used: bool = False
    unused: bool = False
    unknown_target: bool = False
    label: str | None = None


class Merger:
    def __init__(self, subs: list[Subgraph], metas: list[Metadata], sink: ErrorSink, composed: set[str], repeatable: set[str]) -> None:
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
        for s in subs:
            self.out.graphs[self.graph[s.name]] = (s.name, s.url)

    # -- helpers ---------------------------------------------------------------------------------
    def kind_in(self, i: int, t: TypeDef) -> str:
        return "interface" if t.kind == "object" and t.has(INTERFACE_OBJECT) else t.kind

    def g(self, i: int) -> object:
        return enum(self.graph[self.subs[i].name])

    def directives(self, sources: list[tuple[int, object]], extra: list[list[Applied]] | None = None) -> list[Applied]:
        return merge_applied(
            [getattr(el, "directives", []) for _, el in sources if el is not None] + (extra or []),
            self.composed,
            self.repeatable,
        )

    def description(self, sources: list[tuple[int, object]]) -> str | None:
        descs = [getattr(el, "description", None) for _, el in sources if el is not None]
        descs = [d for d in descs if d is not None]
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
                t = s.types.get(name)
                if t is not None:
                    label = "Interface Object Type (Object Type with @interfaceObject)" if t.has(INTERFACE_OBJECT) else KIND_NAMES[t.kind]
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
            if kinds[name] == "union":
                self.out.types[name].members = self._members(name)
        self._build_access_map()
        by_kind = {k: [n for n in order if kinds[n] == k] for k in KIND_NAMES}
        for kind in ("union", "scalar", "input", "interface", "object", "enum"):
            for name in by_kind[kind]:
                self._merge_type(name)
        self._interface_object_fields()
        self._post_merge()
        for op, name in (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription")):
            t = self.out.types.get(name)
            if t is not None and t.fields:
                self.out.roots[op] = name
            elif t is not None and t.kind == "object" and not t.fields:
                del self.out.types[name]
        if "query" not in self.out.roots:
            self.sink.error("NO_QUERIES", "No queries found in any subgraph: a supergraph must have a query root type.")
        for s in self.subs:
            for t in s.types.values():
                self._collect_features(t.directives)
                for f in t.fields.values():
                    self._collect_features(f.directives)
                    for a in f.args.values():
                        self._collect_features(a.directives)
                for v in t.values.values():
                    self._collect_features(v.directives)
        return self.out

    def _build_access_map(self) -> None:
        """Access control on implementations also guards their interfaces (and @interfaceObject
        fields guard the implementations): element key -> extra applications to merge there."""
        self.access_extra: dict[str, list[list[Applied]]] = {}
        impls_of: dict[str, list[str]] = {}
        for t in self.out.types.values():
            if t.kind == "object":
                for itf in t.interfaces:
                    impls_of.setdefault(itf, []).append(t.name)
        itfs_of = {t.name: t.interfaces for t in self.out.types.values() if t.kind == "object"}

        def add(key: str, d: Applied) -> None:
            self.access_extra.setdefault(key, []).append([d])

        for i, s in enumerate(self.subs):
            for t in s.types.values():
                if t.kind != "object":
                    continue
                for d in t.directives:
                    if d.name in ACCESS_CONTROL:
                        for itf in itfs_of.get(t.name, []):
                            add(itf, d)
                for f in t.fields.values():
                    if self.metas[i].is_external(f):
                        continue
                    for d in f.directives:
                        if d.name not in ACCESS_CONTROL:
                            continue
                        if t.has(INTERFACE_OBJECT):
                            others: set[str] = set()
                            for impl in impls_of.get(t.name, []):
                                add(f"{impl}.{f.name}", d)
                                others.update(x for x in itfs_of.get(impl, []) if x != t.name)
                            for itf in others:
                                add(f"{itf}.{f.name}", d)
                        else:
                            for itf in itfs_of.get(t.name, []):
                                add(f"{itf}.{f.name}", d)

    def _collect_features(self, ds: list[Applied]) -> None:
        for d in ds:
            short = d.name.removeprefix("federation__")
            if short != d.name and short in ("tag", "inaccessible", "authenticated", "requiresScopes", "policy", "cost", "listSize"):
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
        if not is_root and dest.kind in ("object", "interface") and all(
            t.has_extension and not t.has_definition for _, t in sources
        ):
            for i, _ in sources:
                self.sink.error(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{self.subs[i].name}] Type "{name}" is an extension type, but there is no type definition for "{name}" in any subgraph.',
                    self.subs[i].name,
                    name,
                )
        dest.description = self.description(sources)  # type: ignore[arg-type]
        join_types = []
        for i, t in sources:
            itf_obj = {"isInterfaceObject": boolean(True)} if t.kind == "object" and t.has(INTERFACE_OBJECT) else {}
            keys = t.applied(KEY)
            if not keys:
                join_types.append(Applied("join__type", {"graph": self.g(i), **itf_obj}))  # type: ignore[dict-item]
            for key in keys:
                args: dict = {"graph": self.g(i), "key": string(key.arg_str("fields") or "")}
                if key.in_extension or t.has(EXTENDS):
                    args["extension"] = boolean(True)
                if "resolvable" in key.args:
                    args["resolvable"] = key.args["resolvable"]
                args.update(itf_obj)
                join_types.append(Applied("join__type", args))
        impls = []
        if dest.kind in ("object", "interface"):
            for i, t in sources:
                impls += [Applied("join__implements", {"graph": self.g(i), "interface": string(itf)}) for itf in t.interfaces]  # type: ignore[dict-item]
        extra = self.access_extra.get(name, []) if dest.kind == "interface" else []
        dest.directives = join_types + impls + self.directives(sources, extra)  # type: ignore[arg-type]
        if dest.kind == "object":
            self._merge_fields(dest, sources, sharing=True)
        elif dest.kind == "interface":
            self._validate_interface_keys(dest, sources)
            self._merge_fields(dest, sources, sharing=False)
        elif dest.kind == "union":
            for m in dest.members:
                for i, t in sources:
                    if m in t.members:
                        dest.directives.append(Applied("join__unionMember", {"graph": self.g(i), "member": string(m)}))  # type: ignore[dict-item]
        elif dest.kind == "enum":
            self._merge_enum(dest, sources)
        elif dest.kind == "input":
            self._merge_input(dest, sources)

    # -- object and interface fields -------------------------------------------------------------
    def _merge_fields(self, dest: TypeDef, sources: list[tuple[int, TypeDef]], sharing: bool) -> None:
        names: list[str] = []
        for _, t in sources:
            names += [n for n in t.fields if n not in names]
        for fname in names:
            fsources: list[tuple[int, Field | None]] = [(i, t.fields.get(fname)) for i, t in sources]
            out = Field(fname, _PLACEHOLDER, dest.name)
            dest.fields[fname] = out
            overrides = self._validate_override(dest, out, fsources)
            if dest.name == "Subscription" and any(f is not None and f.has(SHAREABLE) for _, f in fsources):
                self.sink.error("INVALID_FIELD_SHARING", "Fields on root level subscription object cannot be marked as shareable", None, out.coordinate)
            self.overridden.update((i, out.coordinate) for i, o in overrides.items() if (o.used or o.unused) and not o.label)
            if not self._merge_field(dest, out, fsources, overrides):
                del dest.fields[fname]
                continue
            if sharing:
                self._validate_sharing(out, fsources, overrides)

    def _merge_field(self, dest: TypeDef, out: Field, fsources: list[tuple[int, Field | None]], overrides: dict[int, _Override]) -> bool:
        present = [(i, f) for i, f in fsources if f is not None]
        if all(self.metas[i].is_external(f) for i, f in present):
            subs = [self.subs[i].name for i, _ in present]
            self.sink.error(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{out.coordinate}" is marked @external on all the subgraphs in which it is listed ({printable_subgraphs(subs)}).',
                subs[0] if len(subs) == 1 else None,
                out.coordinate,
            )
            return False
        internal = [(i, f) for i, f in present if not self.metas[i].is_external(f)]
        out.description = self.description(internal)  # type: ignore[arg-type]
        out.directives = self.directives(internal, self.access_extra.get(out.coordinate))  # type: ignore[arg-type]
        out.args = self._merge_arguments(out.coordinate, internal)
        all_equal = self._merge_type_ref(out, internal or present, out.coordinate, is_input=False)
        for i, f in present:
            if self.metas[i].is_external(f) and not (
                same_type(out.type, f.type) or (not all_equal and is_strict_subtype(out.type, f.type, self.direct))
            ):
                self.sink.error(
                    "EXTERNAL_TYPE_MISMATCH",
                    f'Type of field "{out.coordinate}" is incompatible across subgraphs (where marked @external): it has type "{print_ast(out.type)}" in some subgraphs but type "{print_ast(f.type)}" in subgraph "{self.subs[i].name}"',
                    self.subs[i].name,
                    out.coordinate,
                )
        self._add_join_field(out, fsources, all_equal, overrides)
        return True

    def _merge_arguments(self, coordinate: str, internal: list[tuple[int, Field]]) -> dict[str, Argument]:
        names: list[str] = []
        for _, f in internal:
            names += [a for a in f.args if a not in names]
        out: dict[str, Argument] = {}
        for name in names:
            asrc = [(i, f.args.get(name)) for i, f in internal]
            missing = [self.subs[i].name for i, a in asrc if a is None]
            if missing:
                required = [self.subs[i].name for i, a in asrc if a is not None and isinstance(a.type, NonNullTypeNode) and a.default is None]
                if required:
                    self.sink.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{coordinate}({name}:)" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                        None,
                        f"{coordinate}({name}:)",
                    )
                continue
            present = [(i, a) for i, a in asrc if a is not None]
            arg = Argument(name, _PLACEHOLDER)
            arg.description = self.description(present)  # type: ignore[arg-type]
            arg.directives = self.directives(present)  # type: ignore[arg-type]
            self._merge_type_ref(arg, present, f"{coordinate}({name}:)", is_input=True)
            arg.default = self._merge_default(present, f"{coordinate}({name}:)", "Argument", "FIELD_ARGUMENT_DEFAULT_MISMATCH")
            out[name] = arg
        return out

    def _merge_default(self, present: list, coordinate: str, kind: str, code: str) -> object:
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
            self.sink.error(code, f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has {shown}', None, coordinate)
        return dest if (not inconsistent or incompatible) else None

    def _merge_type_ref(self, dest: Field | Argument, present: list, coordinate: str, is_input: bool) -> bool:
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
            shown = " and ".join(f'type "{print_ast(el.type)}" in subgraph "{self.subs[i].name}"' for i, el in present)
            code = "ARGUMENT_TYPE_MISMATCH" if isinstance(dest, Argument) else "FIELD_TYPE_MISMATCH"
            what = "argument" if isinstance(dest, Argument) else "field"
            self.sink.error(code, f'Type of {what} "{coordinate}" is incompatible across subgraphs: it has {shown}', None, coordinate)
            return False
        return not has_subtypes

    def _needs_join_field(self, fsources: list[tuple[int, Field | None]], all_equal: bool, overrides: dict[int, _Override]) -> bool:
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

    def _add_join_field(self, out: Field, fsources: list[tuple[int, Field | None]], all_equal: bool, overrides: dict[int, _Override]) -> None:
        if not self._needs_join_field(fsources, all_equal, overrides):
            return
        for i, f in fsources:
            o = overrides.get(i, _Override())
            if f is None or (o.unused and not o.label):
                continue
            args: dict = {"graph": self.g(i)}
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

    def _validate_override(self, dest: TypeDef, out: Field, fsources: list[tuple[int, Field | None]]) -> dict[int, _Override]:
        result: dict[int, _Override] = {}
        with_override = {i: f.applied(OVERRIDE)[0] for i, f in fsources if f is not None and f.applied(OVERRIDE)}
        if not with_override:
            return result
        names = [s.name for s in self.subs]
        by_name = {self.subs[i].name: (i, f) for i, f in fsources if f is not None}
        for i, d in with_override.items():
            sub = self.subs[i].name
            if dest.kind == "interface":
                t = self.subs[i].types[dest.name]
                code = "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE" if t.kind == "object" else "OVERRIDE_ON_INTERFACE"
                msg = (f'@override is not yet supported on fields of @interfaceObject types: cannot be used on field "{out.coordinate}" on subgraph "{sub}".'
                       if t.kind == "object" else f'@override cannot be used on field "{out.coordinate}" on subgraph "{sub}": @override is not supported on interface type fields.')
                self.sink.error(code, msg, sub, out.coordinate)
                continue
            source = d.arg_str("from") or ""
            if source not in names:
                result.setdefault(i, _Override()).unknown_target = True
                self.sink.hint("FROM_SUBGRAPH_DOES_NOT_EXIST", f'Source subgraph "{source}" for field "{out.coordinate}" on subgraph "{sub}" does not exist.')
            elif source == sub:
                self.sink.error("OVERRIDE_FROM_SELF_ERROR", f'Source and destination subgraphs "{source}" are the same for overridden field "{out.coordinate}"', sub, out.coordinate)
            elif any(self.subs[j].name == source for j in with_override):
                self.sink.error("OVERRIDE_SOURCE_HAS_OVERRIDE", f'Field "{out.coordinate}" on subgraph "{sub}" is also marked with directive @override in subgraph "{source}". Only one @override directive is allowed per field.', sub, out.coordinate)
            elif source not in by_name:
                self.sink.hint("OVERRIDE_DIRECTIVE_CAN_BE_REMOVED", f'Field "{out.coordinate}" on subgraph "{sub}" no longer exists in the from subgraph. The @override directive can be removed.')
            else:
                j, from_field = by_name[source]
                assert from_field is not None
                this_field = dict(fsources)[i]
                conflict = next((n for n, dn in (("requires", REQUIRES), ("provides", PROVIDES)) if from_field.has(dn)), None)
                where = source
                if conflict is None and this_field is not None and self.metas[i].is_external(this_field):
                    conflict, where = "external", sub
                if conflict:
                    self.sink.error("OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE", f'@override cannot be used on field "{from_field.coordinate}" on subgraph "{sub}" since "{from_field.coordinate}" on "{where}" is marked with directive "@{conflict}"', sub, out.coordinate)
                    continue
                label = d.arg_str("label")
                if self.metas[j].is_external(from_field):
                    pass
                elif self.metas[j].is_used(from_field):
                    result.setdefault(j, _Override()).used = True
                else:
                    result.setdefault(j, _Override()).unused = True
                if label is not None:
                    m = _PERCENT.match(label)
                    if _LABEL.match(label) or (m and 0 <= float(m.group(1)) <= 100):
                        result.setdefault(i, _Override()).label = label
                        result.setdefault(j, _Override()).label = label
                    else:
                        self.sink.error("OVERRIDE_LABEL_INVALID", f'Invalid @override label "{label}" on field "{out.coordinate}" on subgraph "{sub}": labels must start with a letter and after that may contain alphanumerics, underscores, minuses, colons, periods, or slashes. Alternatively, labels may be of the form "percent(x)" where x is a float between 0-100 inclusive.', sub, out.coordinate)
        return result

    def _validate_sharing(self, out: Field, fsources: list[tuple[int, Field | None]], overrides: dict[int, _Override]) -> None:
        resolving, shareable, non_shareable = [], [], []
        for i, f in fsources:
            o = overrides.get(i)
            if f is None or (o and (o.used or o.unused)):
                continue
            if self.metas[i].is_fully_external(f):
                continue
            resolving.append(i)
            (shareable if self.metas[i].is_shareable(f) else non_shareable).append(i)
        if non_shareable and (shareable or len(non_shareable) > 1):
            names = [self.subs[i].name for i in resolving]
            bad = printable_subgraphs([self.subs[i].name for i in non_shareable]) if shareable else "all of them"
            extra = ""
            unknown = next((i for i in non_shareable if overrides.get(i) and overrides[i].unknown_target), None)
            if unknown is not None:
                extra = f' (please note that "{out.coordinate}" has an @override directive in "{self.subs[unknown].name}" that targets an unknown subgraph so this could be due to misspelling the @override(from:) argument)'
            self.sink.error(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{out.coordinate}" is resolved from multiple subgraphs: it is resolved from {printable_subgraphs(names)} and defined as non-shareable in {bad}{extra}',
                self.subs[non_shareable[0]].name if len(non_shareable) == 1 else None,
                out.coordinate,
            )

    def _validate_interface_keys(self, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
        impls = [t.name for t in self.out.types.values() if t.kind == "object" and dest.name in t.interfaces]
        for i, t in sources:
            if t.kind != "interface":
                continue
            if t.has(INTERFACE_OBJECT):
                continue
            resolvable = next((k for k in t.applied(KEY) if k.arg_bool("resolvable") is not False), None)
            if resolvable is None:
                continue
            have = {x.name for x in self.subs[i].implementations(dest.name)}
            missing = [n for n in impls if n not in have]
            if missing:
                sub = self.subs[i].name
                shown = ", ".join(f'"{m}"' for m in missing)
                self.sink.error(
                    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                    f'[{sub}] Interface type "{dest.name}" has a resolvable key (@key(fields: "{resolvable.arg_str("fields")}")) in subgraph "{sub}" but that subgraph is missing some of the supergraph implementation types of "{dest.name}". Subgraph "{sub}" should define type{"s" if len(missing) > 1 else ""} {shown} (and have {"them" if len(missing) > 1 else "it"} implement "{dest.name}").',
                    sub,
                    dest.name,
                )
        for i, t in sources:
            if t.kind == "object" and t.has(INTERFACE_OBJECT):
                defined = [n for n in impls if n in self.subs[i].types]
                if defined:
                    sub = self.subs[i].name
                    self.sink.error(
                        "INTERFACE_OBJECT_USAGE_ERROR",
                        f'[{sub}] Interface type "{dest.name}" is defined as an @interfaceObject in subgraph "{sub}" so that subgraph should not define any of the implementation types of "{dest.name}", but it defines ' + ", ".join(f'type "{n}"' for n in defined),
                        sub,
                        dest.name,
                    )
        if all(t.kind == "object" for _, t in sources):
            self.sink.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f'Type "{dest.name}" is declared with @interfaceObject in all the subgraphs in which it is defined (it is defined in {printable_subgraphs([self.subs[i].name for i, _ in sources])} but should be defined as an interface in at least one subgraph)',
                None,
                dest.name,
            )

    # -- enums and inputs ------------------------------------------------------------------------
    def _merge_enum(self, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
        usage = self.enum_usage.get(dest.name)
        if usage is None:
            usage = "Output"
            self.sink.hint("UNUSED_ENUM_TYPE", f'Enum type "{dest.name}" is defined but unused.')
        names: list[str] = []
        for _, t in sources:
            names += [v for v in t.values if v not in names]
        for name in names:
            vsources = [(i, t.values.get(name)) for i, t in sources]
            present = [(i, v) for i, v in vsources if v is not None]
            value = EnumValue(name, self.description(present), self.directives(present))  # type: ignore[arg-type]
            value.directives += [Applied("join__enumValue", {"graph": self.g(i)}) for i, _ in present]  # type: ignore[dict-item]
            inaccessible = any(d.name == "inaccessible" for d in value.directives)
            if not inaccessible and usage != "Output" and len(present) < len(vsources):
                if usage == "Both":
                    missing = [self.subs[i].name for i, v in vsources if v is None]
                    self.sink.error(
                        "ENUM_VALUE_MISMATCH",
                        f'Enum type "{dest.name}" is used as both input type and output type, but value "{name}" is not defined in all the subgraphs defining "{dest.name}": "{name}" is defined in {printable_subgraphs([self.subs[i].name for i, _ in present])} but not in {printable_subgraphs(missing)}',
                        None,
                        f"{dest.name}.{name}",
                    )
                else:
                    self.sink.hint("INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM", f'Value "{name}" of enum type "{dest.name}" will not be part of the supergraph as it is not defined in all the subgraphs defining "{dest.name}"')
                    continue
            dest.values[name] = value
        if not dest.values:
            self.sink.error(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{dest.name}" are defined consistently in all the subgraphs defining that type. As only values common to all subgraphs are merged, this would result in an empty type.',
                None,
                dest.name,
            )

    def _merge_input(self, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
        names: list[str] = []
        for _, t in sources:
            names += [n for n in t.fields if n not in names]
        for name in names:
            fsources = [(i, t.fields.get(name)) for i, t in sources]
            present = [(i, f) for i, f in fsources if f is not None]
            out = Field(name, _PLACEHOLDER, dest.name)
            out.description = self.description(present)  # type: ignore[arg-type]
            out.directives = self.directives(present)  # type: ignore[arg-type]
            all_equal = self._merge_type_ref(out, present, out.coordinate, is_input=True)
            if not all_equal or len(present) < len(fsources):
                for i, f in present:
                    args = {"graph": self.g(i)} if all_equal else {"graph": self.g(i), "type": string(print_ast(f.type))}
                    out.directives.append(Applied("join__field", args))  # type: ignore[arg-type]
            out.default = self._merge_default(present, out.coordinate, "Input field", "INPUT_FIELD_DEFAULT_MISMATCH")  # type: ignore[assignment]
            inaccessible = any(d.name == "inaccessible" for d in out.directives)
            if len(present) < len(fsources) and not inaccessible:
                required = [self.subs[i].name for i, f in present if isinstance(f.type, NonNullTypeNode) and f.default is None]
                missing = [self.subs[i].name for i, f in fsources if f is None]
                if required:
                    self.sink.error(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f'Input object field "{out.coordinate}" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                        None,
                        out.coordinate,
                    )
                continue
            dest.fields[name] = out
        if not dest.fields:
            self.sink.error(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{dest.name}" are consistently defined in all the subgraphs defining that type. As only fields common to all subgraphs are merged, this would result in an empty type.',
                None,
                dest.name,
            )

    # -- after all types -------------------------------------------------------------------------
    def _interface_object_fields(self) -> None:
        """Fields an @interfaceObject adds to an interface reach every implementation."""
        for t in self.out.types.values():
            if t.kind != "object":
                continue
            for itf_name in t.interfaces:
                itf = self.out.types.get(itf_name)
                if itf is None:
                    continue
                for fname, itf_field in itf.fields.items():
                    if fname in t.fields:
                        continue
                    provided = any(
                        (st := s.types.get(itf_name)) is not None and st.kind == "object" and st.has(INTERFACE_OBJECT)
                        and fname in st.fields and not self.metas[i].is_external(st.fields[fname])
                        for i, s in enumerate(self.subs)
                    )
                    if provided:
                        f = Field(fname, itf_field.type, t.name, dict(itf_field.args), itf_field.description)
                        f.directives = [d for d in itf_field.directives if not d.name.startswith("join__")]
                        f.directives.append(Applied("join__field", {}))
                        t.fields[fname] = f

    def _post_merge(self) -> None:
        for t in self.out.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for itf_name in t.interfaces:
                itf = self.out.types.get(itf_name)
                if itf is None:
                    continue
                for fname in itf.fields:
                    if fname not in t.fields:
                        with_field = [s.name for s in self.subs if (x := s.types.get(itf_name)) is not None and x.kind == "interface" and fname in x.fields]
                        implementing = [s.name for s in self.subs if (x := s.types.get(t.name)) is not None and itf_name in x.interfaces]
                        self.sink.error(
                            "INTERFACE_FIELD_NO_IMPLEM",
                            f'Interface field "{itf_name}.{fname}" is declared in {printable_subgraphs(with_field)} but type "{t.name}", which implements "{itf_name}" only in {printable_subgraphs(implementing)} does not have field "{fname}".',
                            None,
                            f"{t.name}.{fname}",
                        )
