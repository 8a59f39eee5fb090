"""Parse one subgraph SDL into the model: resolve its `@link` imports, fold `extend` blocks into
their types, drop the federation plumbing (`_service`, `_entities`, `_Any`, link/federation types)."""

from __future__ import annotations

import re

from graphql import GraphQLSyntaxError, parse
from graphql.language import (
    BooleanValueNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from .errors import SubgraphParseError
from .model import FED, Applied, Argument, DirectiveDef, EnumValue, Field, Link, Subgraph, TypeDef
from .types import CompositionError, SubgraphInput

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
LINK_IDENTITY = "https://specs.apollo.dev/link"

# Every directive the federation spec defines (any v2.x); which version introduced one is in specs.py.
FEDERATION_DIRECTIVES = (
    "key", "requires", "provides", "external", "tag", "extends", "shareable", "inaccessible",
    "override", "composeDirective", "interfaceObject", "authenticated", "requiresScopes", "policy",
    "context", "fromContext", "cost", "listSize", "cacheTag",
)  # fmt: skip
FEDERATION_TYPES = ("FieldSet", "Scope", "Policy", "ContextFieldValue")
# The federation version that introduced each directive (older links cannot import it).
INTRODUCED_IN = {
    "composeDirective": (2, 1), "interfaceObject": (2, 3), "authenticated": (2, 5),
    "requiresScopes": (2, 5), "policy": (2, 6), "context": (2, 8), "fromContext": (2, 8),
    "cost": (2, 9), "listSize": (2, 9), "cacheTag": (2, 12),
}  # fmt: skip
FED1_DIRECTIVES = ("key", "requires", "provides", "external", "tag", "extends")
BUILTIN_DIRECTIVES = ("skip", "include", "deprecated", "specifiedBy", "oneOf", "defer", "stream")
BUILTIN_SCALARS = ("String", "Int", "Float", "Boolean", "ID")
UNKNOWN = "!"
_URL = re.compile(r"^(?P<identity>.*)/(?P<name>[^/]+)/v(?P<major>\d+)\.(?P<minor>\d+)/?$")

_KINDS = {
    ObjectTypeDefinitionNode: "object", ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface", InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union", UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum", EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input", InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar", ScalarTypeExtensionNode: "scalar",
}  # fmt: skip
_EXTENSIONS = (
    ObjectTypeExtensionNode, InterfaceTypeExtensionNode, UnionTypeExtensionNode,
    EnumTypeExtensionNode, InputObjectTypeExtensionNode, ScalarTypeExtensionNode,
)  # fmt: skip


def parse_url(url: str) -> tuple[str, str, tuple[int, int]] | None:
    m = _URL.match(url)
    if not m:
        return None
    identity = f"{m['identity']}/{m['name']}"
    return identity, m["name"], (int(m["major"]), int(m["minor"]))


class _Names:
    """Maps the names a subgraph uses to canonical ones, from its @link imports."""

    def __init__(self) -> None:
        self.directives: dict[str, str] = {}  # local name -> canonical (federation__x or local)
        self.plumbing_types: set[str] = {"_Any", "_Entity", "_Service", "_FieldSet"}
        self.plumbing_directives: set[str] = {"link", "core"}

    def directive(self, local: str) -> str:
        # A `federation__x` the link does not provide must not pass for the real one.
        if local not in self.directives and local.startswith(FED):
            return UNKNOWN + local
        return self.directives.get(local, local)


def _import_pairs(directive: DirectiveNode) -> list[tuple[str, str]]:
    """(name in feature, local name) for each `import:` entry of a @link."""
    pairs: list[tuple[str, str]] = []
    for arg in directive.arguments or ():
        if arg.name.value != "import" or not isinstance(arg.value, ListValueNode):
            continue
        for item in arg.value.values:
            if isinstance(item, StringValueNode):
                pairs.append((item.value, item.value))
            elif isinstance(item, ObjectValueNode):
                fields = {f.name.value: getattr(f.value, "value", None) for f in item.fields}
                name = fields.get("name")
                if isinstance(name, str):
                    pairs.append((name, str(fields.get("as") or name)))
    return pairs


def _string_arg(directive: DirectiveNode, name: str) -> str | None:
    for arg in directive.arguments or ():
        if arg.name.value == name and isinstance(arg.value, StringValueNode):
            return arg.value.value
    return None


def _resolve_links(doc: DocumentNode, sub: Subgraph, names: _Names) -> None:
    """Find the federation @link (Federation 2) or its absence (Federation 1) and other links."""
    links = [
        d
        for node in doc.definitions
        if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode))
        for d in node.directives or ()
        if d.name.value == "link"
    ]
    fed_link = None
    for d in links:
        url = _string_arg(d, "url") or ""
        parsed = parse_url(url)
        if parsed is None:
            continue
        identity, name, version = parsed
        prefix = _string_arg(d, "as") or name
        imports = _import_pairs(d)
        if identity == FEDERATION_IDENTITY:
            fed_link = d
            sub.fed_version = version
            available = [
                e for e in FEDERATION_DIRECTIVES if INTRODUCED_IN.get(e, (2, 0)) <= version
            ]
            imported = {original[1:] for original, _ in imports if original.startswith("@")}
            for element in available:
                # An imported element is only known under its imported name, not the prefixed one.
                if element not in imported:
                    names.directives[f"{prefix}__{element}"] = FED + element
                    names.plumbing_directives.add(f"{prefix}__{element}")
            for element in FEDERATION_TYPES:
                names.plumbing_types.add(f"{prefix}__{element}")
            for original, local in imports:
                if original.startswith("@") and original[1:] in available:
                    names.directives[local[1:]] = FED + original[1:]
                    names.plumbing_directives.add(local[1:])
                elif original in FEDERATION_TYPES:
                    names.plumbing_types.add(local)
                else:
                    raise SubgraphParseError(
                        CompositionError(
                            "INVALID_LINK_DIRECTIVE_USAGE",
                            f'[{sub.name}] Cannot import unknown element "{original}".',
                            sub.name,
                            original,
                        )
                    )
        elif identity == LINK_IDENTITY:
            names.plumbing_types.update({f"{prefix}__Import", f"{prefix}__Purpose", "link__Import"})
        else:
            local_imports = {
                local[1:]: original[1:] for original, local in imports if original.startswith("@")
            }
            sub.links.append(Link(url, identity, name, version, local_imports))
    if fed_link is None:
        # Federation 1 knows its directives by their bare names; later ones count when the
        # subgraph defines them itself (some Federation 1 servers declare @shareable, @override).
        defined = {n.name.value for n in doc.definitions if isinstance(n, DirectiveDefinitionNode)}
        for element in FEDERATION_DIRECTIVES:
            if element in FED1_DIRECTIVES or element in defined:
                names.directives[element] = FED + element
                names.plumbing_directives.add(element)
        names.plumbing_types.update({"_FieldSet", "FieldSet"})


def _applied(nodes: tuple[DirectiveNode, ...] | None, names: _Names, ext: bool) -> list[Applied]:
    out = []
    for d in nodes or ():
        if d.name.value in ("link", "core"):
            continue
        args = {a.name.value: a.value for a in d.arguments or ()}
        out.append(Applied(names.directive(d.name.value), args, ext))
    return out


def _description(node: object) -> str | None:
    desc = getattr(node, "description", None)
    return desc.value if desc is not None else None


def _arguments(
    nodes: tuple[InputValueDefinitionNode, ...] | None, names: _Names
) -> dict[str, Argument]:
    return {
        a.name.value: Argument(
            a.name.value,
            a.type,
            a.default_value,
            _description(a),
            _applied(a.directives, names, False),
        )
        for a in nodes or ()
    }


def _rename_type(node: TypeNode, renames: dict[str, str]) -> TypeNode:
    if isinstance(node, NamedTypeNode):
        new = renames.get(node.name.value)
        return NamedTypeNode(name=NameNode(value=new)) if new else node
    if isinstance(node, ListTypeNode):
        return ListTypeNode(type=_rename_type(node.type, renames))
    assert isinstance(node, NonNullTypeNode)
    return NonNullTypeNode(type=_rename_type(node.type, renames))  # type: ignore[arg-type]  # renaming keeps the kind: never non-null in non-null


def parse_subgraph(source: SubgraphInput) -> Subgraph:
    """Build the model of one subgraph; raises SubgraphParseError on unparseable SDL."""
    try:
        doc = parse(source.sdl)
    except GraphQLSyntaxError as e:
        raise SubgraphParseError(
            CompositionError("INVALID_GRAPHQL", f"[{source.name}] {e.message}", source.name)
        ) from e
    sub = Subgraph(source.name, source.url)
    names = _Names()
    _resolve_links(doc, sub, names)

    roots: dict[str, str] = {}
    for node in doc.definitions:
        if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            for op_type in node.operation_types or ():
                roots[op_type.operation.value] = op_type.type.name.value
            sub.schema_directives.extend(_applied(node.directives, names, False))
    # Subgraphs may name their roots freely; the supergraph always uses Query/Mutation/Subscription.
    default_names = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
    renames = {t: default_names[op] for op, t in roots.items() if t != default_names[op]}
    declared = {
        n.name.value for n in doc.definitions
        if isinstance(n, TypeDefinitionNode | TypeExtensionNode) and type(n) in _KINDS
    }
    for op, t in roots.items():
        if t not in declared:
            sub.problems.append(
                ("INVALID_GRAPHQL", t, f"Cannot set schema {op} root to unknown type {t}")
            )
        elif t != default_names[op] and default_names[op] in declared:
            sub.problems.append(
                (
                    f"ROOT_{op.upper()}_USED",
                    default_names[op],
                    f'The schema has a type named "{default_names[op]}" but it is not set as the {op} root type ("{t}" is instead): this is not supported by federation. If a root type does not use its default name, there should be no other type with that default name.',
                )
            )
            renames.pop(t, None)

    for node in doc.definitions:
        kind = _KINDS.get(type(node))
        if kind is not None and isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            _add_type(sub, node, kind, names, renames)
        elif isinstance(node, DirectiveDefinitionNode):
            name = node.name.value
            definition = DirectiveDef(
                name,
                _arguments(node.arguments, names),
                node.repeatable,
                [loc.value for loc in node.locations],
                _description(node),
            )
            canonical = names.directives.get(name, name)
            if canonical.startswith(FED):
                # A subgraph may spell out federation definitions; they must at least fit.
                sub.federation_defs[canonical] = definition
                continue
            if name in names.plumbing_directives or name in BUILTIN_DIRECTIVES:
                continue
            sub.directive_defs[name] = definition

    sub.aliases = dict(names.directives)
    for plumbing in names.plumbing_types:
        sub.types.pop(plumbing, None)
    for name in [n for n in sub.types if n.startswith(("federation__", "link__"))]:
        del sub.types[name]
    for name in BUILTIN_SCALARS:
        sub.types.pop(name, None)
    query = sub.types.setdefault("Query", TypeDef("Query", "object", has_definition=True))
    query.fields.pop("_service", None)
    query.fields.pop("_entities", None)
    for op, type_name in default_names.items():
        if type_name in sub.types:
            sub.roots[op] = type_name
    return sub


def _add_type(
    sub: Subgraph,
    node: TypeDefinitionNode | TypeExtensionNode,
    kind: str,
    names: _Names,
    renames: dict[str, str],
) -> None:
    name = renames.get(node.name.value, node.name.value)
    if name in names.plumbing_types:
        return
    ext = isinstance(node, _EXTENSIONS)
    t = sub.types.get(name)
    if t is None:
        t = sub.types[name] = TypeDef(name, kind)
    elif t.kind != kind:
        sub.problems.append(
            ("INVALID_GRAPHQL", name, f'Type "{name}" is declared as both {t.kind} and {kind}')
        )
        return
    elif not ext and t.has_definition:
        sub.problems.append(
            ("INVALID_GRAPHQL", name, f'There can be only one type named "{name}".')
        )
    if ext:
        t.has_extension = True
    else:
        t.has_definition = True
        t.description = _description(node) or t.description
    t.directives.extend(_applied(getattr(node, "directives", None), names, ext))
    for itf in getattr(node, "interfaces", None) or ():
        if itf.name.value not in t.interfaces:
            t.interfaces.append(itf.name.value)
    for member in getattr(node, "types", None) or ():
        if member.name.value not in t.members:
            t.members.append(member.name.value)
    for value in getattr(node, "values", None) or ():
        t.values[value.name.value] = EnumValue(
            value.name.value, _description(value), _applied(value.directives, names, ext)
        )
    for f in getattr(node, "fields", None) or ():
        is_input = kind == "input"
        if f.name.value in t.fields:
            sub.problems.append(
                (
                    "INVALID_GRAPHQL",
                    f"{name}.{f.name.value}",
                    f"Field {f.name.value} already exists on {name}",
                )
            )
        t.fields[f.name.value] = Field(
            f.name.value,
            _rename_type(f.type, renames),
            name,
            {} if is_input else _arguments(f.arguments, names),
            _description(f),
            _applied(f.directives, names, ext),
            ext,
            f.default_value if is_input else None,
        )


def bool_value(value: object) -> bool | None:
    return value.value if isinstance(value, BooleanValueNode) else None
