"""A mutable, minimal model of one subgraph schema, as the merge needs to see it.

Federation directives are stored under their fully qualified names (`federation__key`, ...) whatever
the subgraph imported them as, so every rule can ask for them without knowing the subgraph's @link.
Types and values stay graphql-core AST nodes: they print and compare exactly as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import (
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    TypeNode,
    ValueNode,
    print_ast,
)

FED = "federation__"
# Merged types are set once every subgraph has been seen; this stands in until then.
PLACEHOLDER = NamedTypeNode(name=NameNode(value="String"))
KEY = FED + "key"
EXTERNAL = FED + "external"
REQUIRES = FED + "requires"
PROVIDES = FED + "provides"
EXTENDS = FED + "extends"
SHAREABLE = FED + "shareable"
OVERRIDE = FED + "override"
INACCESSIBLE = FED + "inaccessible"
TAG = FED + "tag"
INTERFACE_OBJECT = FED + "interfaceObject"
COMPOSE_DIRECTIVE = FED + "composeDirective"
AUTHENTICATED = FED + "authenticated"
REQUIRES_SCOPES = FED + "requiresScopes"
POLICY = FED + "policy"
COST = FED + "cost"
LIST_SIZE = FED + "listSize"
CONTEXT = FED + "context"
FROM_CONTEXT = FED + "fromContext"


@dataclass
class Applied:
    """One directive application; `in_extension` says it sat on an `extend type` block."""

    name: str
    args: dict[str, ValueNode] = field(default_factory=dict)
    in_extension: bool = False

    def arg_str(self, name: str) -> str | None:
        value = self.args.get(name)
        return getattr(value, "value", None) if value is not None else None

    def arg_bool(self, name: str) -> bool | None:
        value = self.args.get(name)
        return getattr(value, "value", None) if value is not None else None


@dataclass
class Argument:
    name: str
    type: TypeNode
    default: ValueNode | None = None
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)


@dataclass
class Field:
    name: str
    type: TypeNode
    parent: str
    args: dict[str, Argument] = field(default_factory=dict)
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)
    in_extension: bool = False
    default: ValueNode | None = None  # input object fields only

    @property
    def coordinate(self) -> str:
        return f"{self.parent}.{self.name}"

    def applied(self, name: str) -> list[Applied]:
        return [d for d in self.directives if d.name == name]

    def has(self, name: str) -> bool:
        return any(d.name == name for d in self.directives)


@dataclass
class EnumValue:
    name: str
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)


@dataclass
class TypeDef:
    name: str
    kind: str  # object | interface | union | enum | input | scalar
    description: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    directives: list[Applied] = field(default_factory=list)
    has_definition: bool = False
    has_extension: bool = False

    def applied(self, name: str) -> list[Applied]:
        return [d for d in self.directives if d.name == name]

    def has(self, name: str) -> bool:
        return any(d.name == name for d in self.directives)


@dataclass
class DirectiveDef:
    name: str
    args: dict[str, Argument] = field(default_factory=dict)
    repeatable: bool = False
    locations: list[str] = field(default_factory=list)
    description: str | None = None


@dataclass
class Link:
    """A non-federation `@link` of a subgraph (used by @composeDirective)."""

    url: str
    identity: str
    name: str
    version: tuple[int, int]
    imports: dict[str, str]  # local directive name -> name in the feature


@dataclass
class Subgraph:
    name: str
    url: str
    types: dict[str, TypeDef] = field(default_factory=dict)
    directive_defs: dict[str, DirectiveDef] = field(default_factory=dict)
    fed_version: tuple[int, int] | None = None  # None: a Federation 1 subgraph
    links: list[Link] = field(default_factory=list)
    schema_directives: list[Applied] = field(default_factory=list)
    roots: dict[str, str] = field(default_factory=dict)  # operation -> type name
    federation_defs: dict[str, DirectiveDef] = field(default_factory=dict)  # as the SDL spells them
    aliases: dict[str, str] = field(default_factory=dict)  # local directive name -> canonical
    provided_before_upgrade: set[str] = field(default_factory=set)  # Federation 1 only
    # GraphQL-level problems found while parsing (duplicate fields, unknown root types, ...).
    problems: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (code, coordinate, message)

    @property
    def is_fed1(self) -> bool:
        return self.fed_version is None

    def object_or_interface(self, name: str) -> TypeDef | None:
        t = self.types.get(name)
        return t if t is not None and t.kind in ("object", "interface") else None

    def implementations(self, interface: str) -> list[TypeDef]:
        return [t for t in self.types.values() if interface in t.interfaces and t.kind == "object"]


def type_str(node: TypeNode) -> str:
    return print_ast(node)


def named_type(node: TypeNode) -> str:
    while isinstance(node, (ListTypeNode, NonNullTypeNode)):
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def value_str(node: ValueNode | None) -> str | None:
    return None if node is None else print_ast(node)


def is_non_null(node: TypeNode) -> bool:
    return isinstance(node, NonNullTypeNode)


# Anything that carries a description and directive applications.
Element = TypeDef | Field | Argument | EnumValue
