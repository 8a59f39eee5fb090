"""Rules each subgraph must satisfy on its own (Apollo checks these while building a subgraph):
valid @key/@requires/@provides field sets, @external only where something uses it, known names."""

from __future__ import annotations

from graphql.language import (
    FieldNode,
    InlineFragmentNode,
    NonNullTypeNode,
    SelectionSetNode,
    StringValueNode,
    print_ast,
)

from .defaults import check_defaults
from .errors import ErrorSink
from .fieldset import FieldSetError, parse_field_set, walk
from .implementations import check_implementations
from .metadata import Metadata
from .model import (
    EXTERNAL,
    FED,
    INTERFACE_OBJECT,
    KEY,
    PROVIDES,
    REQUIRES,
    Applied,
    Subgraph,
    TypeDef,
    named_type,
)
from .subgraph import BUILTIN_DIRECTIVES, BUILTIN_SCALARS, UNKNOWN


def _directive_text(d: Applied, local: str) -> str:
    args = ", ".join(f"{k}: {print_ast(v)}" for k, v in d.args.items())
    return f"@{local}({args})" if args else f"@{local}"


# Arguments each federation directive cannot do without (the spec declares them non-null).
REQUIRED_ARGS = {
    "key": ("fields", "federation__FieldSet!"), "requires": ("fields", "federation__FieldSet!"),
    "provides": ("fields", "federation__FieldSet!"), "override": ("from", "String!"),
    "tag": ("name", "String!"), "composeDirective": ("name", "String!"),
    "requiresScopes": ("scopes", "[[federation__Scope!]!]!"),
    "policy": ("policies", "[[federation__Policy!]!]!"), "cost": ("weight", "Int!"),
    "context": ("name", "String!"),
}  # fmt: skip
FIELD_SET_DIRECTIVES = {KEY: "KEY", REQUIRES: "REQUIRES", PROVIDES: "PROVIDES"}
# Arguments each federation directive accepts (and the version that added the later ones).
KNOWN_ARGS: dict[str, tuple[str, ...]] = {
    "key": ("fields", "resolvable"), "requires": ("fields",), "provides": ("fields",),
    "external": ("reason",), "override": ("from", "label"), "tag": ("name",),
    "composeDirective": ("name",), "requiresScopes": ("scopes",), "policy": ("policies",),
    "cost": ("weight",), "context": ("name",), "fromContext": ("field",),
    "listSize": ("assumedSize", "slicingArguments", "sizedFields", "requireOneSlicingArgument"),
}  # fmt: skip
ARGS_SINCE = {("override", "label"): (2, 7)}


def check_subgraph(sub: Subgraph, meta: Metadata, sink: ErrorSink) -> None:
    for code, coordinate, message in sub.problems:
        sink.error(code, f"[{sub.name}] {message}", sub.name, coordinate)
    if any(code.startswith("ROOT_") for code, _, _ in sub.problems):
        return
    if not _check_directive_arguments(sub, sink):
        return
    check_implementations(
        sub.types,
        lambda coordinate, message: sink.error(
            "INVALID_GRAPHQL", f"[{sub.name}] {message}", sub.name, coordinate
        ),
    )
    for t in sub.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for key in t.applied(KEY):
            _check_key(sub, t.name, key, sink)
            if t.kind == "interface" and not sub.is_fed1:
                for impl in sub.implementations(t.name):
                    if not any(
                        k.arg_str("fields") == key.arg_str("fields") for k in impl.applied(KEY)
                    ):
                        sink.error(
                            "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                            f'[{sub.name}] Key @key(fields: "{key.arg_str("fields")}") on interface type "{t.name}" is missing on implementation type "{impl.name}".',
                            sub.name,
                            impl.name,
                        )
        if t.kind == "interface" or t.has(INTERFACE_OBJECT):
            _check_no_access_control(sub, t, sink)
        if t.has(INTERFACE_OBJECT) and not t.applied(KEY):
            sink.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f'The @interfaceObject directive can only be applied to entity types but type "{t.name}" has no @key in this subgraph.',
                sub.name,
                t.name,
            )
        for f in t.fields.values():
            for r in f.applied(REQUIRES):
                _check_selection(sub, meta, t.name, f.coordinate, r, "REQUIRES", sink)
            for p in f.applied(PROVIDES):
                if meta.is_external(f):
                    sink.error(
                        "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        f'[{sub.name}] Cannot have both @provides and @external on field "{f.coordinate}"',
                        sub.name,
                        f.coordinate,
                    )
                    continue
                target = sub.types.get(named_type(f.type))
                if target is None or target.kind not in ("object", "interface", "union"):
                    sink.error(
                        "PROVIDES_ON_NON_OBJECT_FIELD",
                        f'[{sub.name}] Invalid @provides directive on field "{f.coordinate}": field has type "{print_ast(f.type)}" which is not a Composite Type',
                        sub.name,
                        f.coordinate,
                    )
                    continue
                _check_selection(sub, meta, target.name, f.coordinate, p, "PROVIDES", sink)
            if t.kind == "interface" and f.has(EXTERNAL) and not sub.is_fed1:
                sink.error(
                    "EXTERNAL_ON_INTERFACE",
                    f'[{sub.name}] Interface type field "{f.coordinate}" is marked @external but @external is not allowed on interface fields (it is nonsensical).',
                    sub.name,
                    f.coordinate,
                )
                continue
            if (
                not sub.is_fed1
                and meta.is_external(f)
                and not meta.is_used(f)
                and not f.has(PROVIDES)
            ):
                sink.error(
                    "EXTERNAL_UNUSED",
                    f'[{sub.name}] Field "{f.coordinate}" is marked @external but is not used in any federation directive (@key, @provides, @requires) or to satisfy an interface; the field declaration has no use and should be removed (or the field should not be @external).',
                    sub.name,
                    f.coordinate,
                )


_TYPE_LOCATION = {
    "object": "OBJECT",
    "interface": "INTERFACE",
    "union": "UNION",
    "enum": "ENUM",
    "input": "INPUT_OBJECT",
    "scalar": "SCALAR",
}
_ALL_NAMED = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
)
_ACCESS = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")
# Where each federation directive may appear, and whether it may repeat there.
FEDERATION_LOCATIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "key": (("OBJECT", "INTERFACE"), True), "requires": (("FIELD_DEFINITION",), False),
    "provides": (("FIELD_DEFINITION",), False), "external": (("OBJECT", "FIELD_DEFINITION"), False),
    "extends": (("OBJECT", "INTERFACE"), False), "shareable": (("OBJECT", "FIELD_DEFINITION"), True),
    "inaccessible": (_ALL_NAMED, False), "tag": ((*_ALL_NAMED, "SCHEMA"), True),
    "override": (("FIELD_DEFINITION",), False), "composeDirective": (("SCHEMA",), True),
    "interfaceObject": (("OBJECT",), False), "authenticated": (_ACCESS, False),
    "requiresScopes": (_ACCESS, False), "policy": (_ACCESS, False),
    "cost": (("ARGUMENT_DEFINITION", "ENUM", "FIELD_DEFINITION", "INPUT_FIELD_DEFINITION", "OBJECT", "SCALAR"), False),
    "listSize": (("FIELD_DEFINITION",), False), "context": (("INTERFACE", "OBJECT", "UNION"), True),
    "fromContext": (("ARGUMENT_DEFINITION",), False),
}  # fmt: skip
_BUILTIN_LOCATIONS = {
    "deprecated": (
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INPUT_FIELD_DEFINITION",
        "ENUM_VALUE",
    ),
    "specifiedBy": ("SCALAR",),
}


def _all_applied(sub: Subgraph) -> list[tuple[str, str, list[Applied]]]:
    """(coordinate, location, directives) for every element that carries directives."""
    out = [("", "SCHEMA", sub.schema_directives)]
    for t in sub.types.values():
        out.append((t.name, _TYPE_LOCATION[t.kind], t.directives))
        for f in t.fields.values():
            out.append(
                (
                    f.coordinate,
                    "INPUT_FIELD_DEFINITION" if t.kind == "input" else "FIELD_DEFINITION",
                    f.directives,
                )
            )
            for a in f.args.values():
                out.append((f"{f.coordinate}({a.name}:)", "ARGUMENT_DEFINITION", a.directives))
        for v in t.values.values():
            out.append((f"{t.name}.{v.name}", "ENUM_VALUE", v.directives))
    for d in [*sub.directive_defs.values(), *sub.federation_defs.values()]:
        for a in d.args.values():
            out.append((f"@{d.name}({a.name}:)", "ARGUMENT_DEFINITION", a.directives))
    return out


def _check_placement(
    sub: Subgraph, coordinate: str, location: str, ds: list[Applied], sink: ErrorSink
) -> bool:
    """Each directive is allowed where it sits, and non-repeatable ones appear once."""
    ok = True
    seen: dict[str, int] = {}
    for d in ds:
        short = d.name.removeprefix(FED)
        declared = sub.federation_defs.get(d.name)
        if declared is not None:  # a Federation 1 subgraph's own definition rules
            locations, repeatable = tuple(declared.locations), declared.repeatable
        elif short != d.name and short in FEDERATION_LOCATIONS:
            locations, repeatable = FEDERATION_LOCATIONS[short]
            if short == "shareable" and (sub.fed_version or (2, 0)) < (2, 2):
                repeatable = False  # @shareable became repeatable in Federation 2.2
            if short == "shareable" and location == "FIELD_DEFINITION":
                parent = sub.types.get(coordinate.split(".")[0])
                if parent is not None and parent.kind == "interface":
                    ok = False
                    sink.error(
                        "INVALID_SHAREABLE_USAGE",
                        f'[{sub.name}] Invalid use of @shareable on field "{coordinate}": only object type fields can be marked with @shareable',
                        sub.name,
                        coordinate,
                    )
                    continue
        elif d.name in sub.directive_defs:
            locations, repeatable = (
                tuple(sub.directive_defs[d.name].locations),
                sub.directive_defs[d.name].repeatable,
            )
        elif d.name in _BUILTIN_LOCATIONS:
            locations, repeatable = _BUILTIN_LOCATIONS[d.name], False
        else:
            continue
        if location not in locations:
            ok = False
            sink.error(
                "INVALID_GRAPHQL",
                f'[{sub.name}] Directive "@{short}" may not be used on {location}.',
                sub.name,
                coordinate,
            )
        per_declaration = short == "shareable" and repeatable and declared is None
        key = f"{d.name}/{d.in_extension}" if per_declaration else d.name
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2 and per_declaration:
            ok = False
            where = (
                f'field "{coordinate}"'
                if location == "FIELD_DEFINITION"
                else f'the same type declaration of "{coordinate}"'
            )
            sink.error(
                "INVALID_SHAREABLE_USAGE",
                f"[{sub.name}] Invalid duplicate application of @shareable on {where}: @shareable is only repeatable on types so it can be used simultaneously on a type definition and its extensions, but it should not be duplicated on the same definition/extension declaration",
                sub.name,
                coordinate,
            )
        elif seen[key] == 2 and not repeatable:
            ok = False
            sink.error(
                "INVALID_GRAPHQL",
                f'[{sub.name}] The directive "@{short}" can only be used once at this location.',
                sub.name,
                coordinate,
            )
    return ok


def _known_arguments(sub: Subgraph, d: Applied, short: str) -> tuple[str, ...] | None:
    """The arguments directive `d` accepts in this subgraph (None: not ours to check)."""
    declared = sub.federation_defs.get(d.name) or sub.directive_defs.get(d.name)
    if declared is not None:
        return tuple(declared.args)
    if short == d.name:
        return None  # built-in or unknown directives are checked elsewhere
    version = sub.fed_version or (2, 0)
    return tuple(
        a for a in KNOWN_ARGS.get(short, ()) if ARGS_SINCE.get((short, a), (2, 0)) <= version
    )


def _check_required_not_deprecated(sub: Subgraph, sink: ErrorSink) -> None:
    def check(
        kind: str, coordinate: str, type_node: object, default: object, directives: list[Applied]
    ) -> None:
        if (
            isinstance(type_node, NonNullTypeNode)
            and default is None
            and any(d.name == "deprecated" for d in directives)
        ):
            sink.error(
                "INVALID_GRAPHQL",
                f"[{sub.name}] Required {kind} {coordinate} cannot be deprecated.",
                sub.name,
                coordinate,
            )

    for t in sub.types.values():
        for f in t.fields.values():
            if t.kind == "input":
                check("input field", f.coordinate, f.type, f.default, f.directives)
            for a in f.args.values():
                check("argument", f"{f.coordinate}({a.name}:)", a.type, a.default, a.directives)
    for d in sub.directive_defs.values():
        for a in d.args.values():
            check("argument", f"@{d.name}({a.name}:)", a.type, a.default, a.directives)


def check_as_written(sub: Subgraph, sink: ErrorSink) -> None:
    """Rules on the subgraph as written, before a Federation 1 upgrade rewrites or drops parts:
    known types and directives, each directive where it may be and as often as it may be."""
    _check_references(sub, sink)
    _check_required_not_deprecated(sub, sink)
    check_defaults(sub, sink)
    for coordinate, location, ds in _all_applied(sub):
        _check_placement(sub, coordinate, location, ds, sink)


def _check_directive_arguments(sub: Subgraph, sink: ErrorSink) -> bool:
    """Required arguments are present and field sets are strings (else nothing else can be checked)."""
    ok = True
    for canonical, definition in sub.federation_defs.items():
        short = canonical.removeprefix(FED)
        required = REQUIRED_ARGS.get(short)
        if required is not None and required[0] not in definition.args:
            ok = False
            sink.error(
                "DIRECTIVE_DEFINITION_INVALID",
                f'[{sub.name}] Invalid definition for directive "@{definition.name}": missing required argument "{required[0]}"',
                sub.name,
                f"@{definition.name}",
            )
        elif required is not None and "__" not in required[1]:
            found = print_ast(definition.args[required[0]].type)
            if found != required[1]:
                ok = False
                sink.error(
                    "DIRECTIVE_DEFINITION_INVALID",
                    f'[{sub.name}] Invalid definition for directive "@{definition.name}": argument "{required[0]}" should have type "{required[1]}" but found type "{found}"',
                    sub.name,
                    f"@{definition.name}",
                )
    for coordinate, _, ds in _all_applied(sub):
        for d in ds:
            short = d.name.removeprefix(FED)
            known = _known_arguments(sub, d, short)
            for arg in d.args:
                if known is not None and arg not in known:
                    ok = False
                    sink.error(
                        "INVALID_GRAPHQL",
                        f'[{sub.name}] Unknown argument "{arg}" on directive "@{short}".',
                        sub.name,
                        coordinate,
                    )
            required = REQUIRED_ARGS.get(short) if short != d.name else None
            if required is not None and required[0] not in d.args:
                ok = False
                sink.error(
                    "INVALID_GRAPHQL",
                    f'[{sub.name}] Directive "@{short}" argument "{required[0]}" of type "{required[1]}" is required, but it was not provided.',
                    sub.name,
                    coordinate,
                )
            if (
                d.name in FIELD_SET_DIRECTIVES
                and "fields" in d.args
                and not isinstance(d.args["fields"], StringValueNode)
            ):
                ok = False
                sink.error(
                    f"{FIELD_SET_DIRECTIVES[d.name]}_INVALID_FIELDS_TYPE",
                    f'[{sub.name}] On {"type" if d.name == KEY else "field"} "{coordinate}", for @{short}(fields: {print_ast(d.args["fields"])}): Invalid value for argument "fields": must be a string.',
                    sub.name,
                    coordinate,
                )
            declared_def = sub.directive_defs.get(d.name)
            if declared_def is not None:
                for param in declared_def.args.values():
                    if (
                        isinstance(param.type, NonNullTypeNode)
                        and param.default is None
                        and param.name not in d.args
                    ):
                        ok = False
                        sink.error(
                            "INVALID_GRAPHQL",
                            f'[{sub.name}] Directive "@{d.name}" argument "{param.name}" of type "{print_ast(param.type)}" is required, but it was not provided.',
                            sub.name,
                            coordinate,
                        )
    return ok


def _check_no_access_control(sub: Subgraph, t: TypeDef, sink: ErrorSink) -> None:
    """Access control belongs on object types and their fields; the interface inherits it."""
    elements = [(f'type "{t.name}"', t.name, t.directives)]
    if t.kind == "interface":  # an @interfaceObject's own fields may carry it
        elements += [
            (f'field "{f.coordinate}"', f.coordinate, f.directives) for f in t.fields.values()
        ]
    for shown, coordinate, directives in elements:
        for d in directives:
            short = d.name.removeprefix(FED)
            if short in ("authenticated", "requiresScopes", "policy") and short != d.name:
                sink.error(
                    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                    f"[{sub.name}] Invalid use of @{short} on {shown}: @{short} cannot be applied on interfaces, interface fields and interface objects",
                    sub.name,
                    coordinate,
                )


def _check_key(sub: Subgraph, type_name: str, key: Applied, sink: ErrorSink) -> None:
    text = key.arg_str("fields") or ""
    shown = f'@key(fields: "{text}")'
    try:
        for s in walk(sub, type_name, parse_field_set(text)):
            if s.field.args:
                sink.error(
                    "KEY_FIELDS_HAS_ARGS",
                    f'[{sub.name}] On type "{type_name}", for {shown}: field {s.field.coordinate} cannot be included because it has arguments (fields with argument are not allowed in @key)',
                    sub.name,
                    type_name,
                )
            target = sub.types.get(named_type(s.field.type))
            if target is not None and target.kind in ("interface", "union"):
                kind = "Interface" if target.kind == "interface" else "Union"
                sink.error(
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    f'[{sub.name}] On type "{type_name}", for {shown}: field "{s.field.coordinate}" is a {kind} type which is not allowed in @key',
                    sub.name,
                    type_name,
                )
    except FieldSetError as e:
        sink.error(
            "KEY_INVALID_FIELDS",
            f'[{sub.name}] On type "{type_name}", for {shown}: {e}',
            sub.name,
            type_name,
        )


def _check_selection(
    sub: Subgraph,
    meta: Metadata,
    parent: str,
    coordinate: str,
    d: Applied,
    what: str,
    sink: ErrorSink,
) -> None:
    text = d.arg_str("fields") or ""
    shown = f'@{what.lower()}(fields: "{text}")'
    try:
        for _ in walk(sub, parent, parse_field_set(text)):
            pass  # walking is the validation: unknown fields and bad selections raise
    except FieldSetError as e:
        sink.error(
            f"{what}_INVALID_FIELDS",
            f'[{sub.name}] On field "{coordinate}", for {shown}: {e}',
            sub.name,
            coordinate,
        )
        return
    if sub.is_fed1 and what == "REQUIRES":
        return  # Federation 1 never checked this; the upgrade already dropped inactive ones
    _check_external_leaves(
        sub, meta, parent, parse_field_set(text), False, coordinate, shown, what, sink
    )


def _check_external_leaves(
    sub: Subgraph,
    meta: Metadata,
    parent: str,
    selection_set: SelectionSetNode,
    external_above: bool,
    coordinate: str,
    shown: str,
    what: str,
    sink: ErrorSink,
) -> None:
    """Leaves of a @requires/@provides must be external, unless a field above them already is."""
    for sel in selection_set.selections:
        if isinstance(sel, InlineFragmentNode):
            cond = sel.type_condition.name.value if sel.type_condition else parent
            _check_external_leaves(
                sub, meta, cond, sel.selection_set, external_above, coordinate, shown, what, sink
            )
            continue
        if not isinstance(sel, FieldNode) or sel.name.value == "__typename":
            continue
        t = sub.types[parent]
        f = t.fields[sel.name.value]
        external = meta.is_external(f)
        if what == "PROVIDES" and f.args:
            sink.error(
                "PROVIDES_FIELDS_HAS_ARGS",
                f'[{sub.name}] On field "{coordinate}", for {shown}: field {f.coordinate} cannot be included because it has arguments (fields with argument are not allowed in @provides)',
                sub.name,
                coordinate,
            )
        if sel.selection_set is None and not external and not external_above:
            verb = "required" if what == "REQUIRES" else "provided"
            sink.error(
                f"{what}_FIELDS_MISSING_EXTERNAL",
                f'[{sub.name}] On field "{coordinate}", for {shown}: field "{f.coordinate}" should not be part of a @{what.lower()} since it is already {verb} by this subgraph (it is not marked @external)',
                sub.name,
                coordinate,
            )
        if sel.selection_set is not None:
            below = external_above or external
            if not below and t.kind == "interface":
                below = any(
                    f.name in impl.fields and meta.is_external(impl.fields[f.name])
                    for impl in sub.implementations(t.name)
                )
            _check_external_leaves(
                sub,
                meta,
                named_type(f.type),
                sel.selection_set,
                below,
                coordinate,
                shown,
                what,
                sink,
            )


def _check_references(sub: Subgraph, sink: ErrorSink) -> None:
    known_types = set(sub.types) | set(BUILTIN_SCALARS)
    known_directives = set(sub.directive_defs) | set(BUILTIN_DIRECTIVES)
    for link in sub.links:
        known_directives.update(link.imports)
        known_directives.update(
            d.name
            for t in sub.types.values()
            for d in t.directives
            if d.name.startswith(link.name + "__")
        )

    def check_directives(ds: list[Applied], where: str) -> None:
        for d in ds:
            if d.name not in known_directives and not d.name.startswith(FED):
                name = d.name.removeprefix(UNKNOWN)
                sink.error(
                    "INVALID_GRAPHQL", f'[{sub.name}] Unknown directive "@{name}".', sub.name, where
                )

    def check_type(type_name: str, where: str) -> None:
        if type_name not in known_types:
            sink.error(
                "INVALID_GRAPHQL", f'[{sub.name}] Unknown type "{type_name}".', sub.name, where
            )

    for t in sub.types.values():
        check_directives(t.directives, t.name)
        for f in t.fields.values():
            check_type(named_type(f.type), f.coordinate)
            check_directives([d for d in f.directives if d.name != EXTERNAL], f.coordinate)
            for a in f.args.values():
                check_type(named_type(a.type), f"{f.coordinate}({a.name}:)")
                check_directives(a.directives, f"{f.coordinate}({a.name}:)")
        for v in t.values.values():
            check_directives(v.directives, f"{t.name}.{v.name}")
        for m in t.members + t.interfaces:
            check_type(m, t.name)
    for d in [*sub.directive_defs.values(), *sub.federation_defs.values()]:
        for a in d.args.values():
            check_type(named_type(a.type), f"@{d.name}({a.name}:)")
            check_directives(a.directives, f"@{d.name}({a.name}:)")
