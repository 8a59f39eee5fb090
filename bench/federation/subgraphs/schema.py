"""Build an executable Federation subgraph schema from Federation 1 style SDL with graphql-core.

Federation 1 SDL extends types the subgraph never defines (`extend type Product @key(...)`), which
plain `build_ast_schema` rejects; like `@apollo/subgraph`'s buildSubgraphSchema, the first extension
of an undefined type becomes its definition. The federation additions (`_Any`, `_FieldSet`,
`_Service`, `_Entity`, `Query._entities`, `Query._service`) are appended, and the SDL served by
`_service { sdl }` is the original text, as composition tools expect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DefinitionNode,
    DocumentNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    build_ast_schema,
    parse,
)

Resolver = Callable[..., Any]
# A reference resolver turns one `_entities` representation into the subgraph's object (or None).
ReferenceResolver = Callable[[dict[str, Any]], dict[str, Any] | None]

FEDERATION_PRELUDE = """
scalar _Any
scalar _FieldSet
directive @key(fields: _FieldSet!) repeatable on OBJECT | INTERFACE
directive @external on FIELD_DEFINITION | OBJECT
directive @requires(fields: _FieldSet!) on FIELD_DEFINITION
directive @provides(fields: _FieldSet!) on FIELD_DEFINITION
directive @extends on OBJECT | INTERFACE
type _Service { sdl: String }
"""


@dataclass(frozen=True)
class Subgraph:
    """One subgraph as data: its SDL, field resolvers by type, and entity reference resolvers."""

    name: str
    sdl: str
    resolvers: Mapping[str, Mapping[str, Resolver]] = field(default_factory=dict)
    references: Mapping[str, ReferenceResolver] = field(default_factory=dict)


def _has_key(node: ObjectTypeDefinitionNode | ObjectTypeExtensionNode) -> bool:
    return any(d.name.value == "key" for d in node.directives or ())


def _definitions(sdl: str) -> tuple[list[DefinitionNode], list[str]]:
    """The SDL's definitions with undefined extended types turned into definitions; entity names."""
    document = parse(sdl)
    defined = {
        d.name.value for d in document.definitions if isinstance(d, ObjectTypeDefinitionNode)
    }
    out: list[DefinitionNode] = []
    entities: list[str] = []
    for node in document.definitions:
        if isinstance(node, ObjectTypeExtensionNode) and node.name.value not in defined:
            defined.add(node.name.value)
            node = ObjectTypeDefinitionNode(
                name=node.name,
                interfaces=node.interfaces,
                directives=node.directives,
                fields=node.fields,
            )
        if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and _has_key(node) and node.name.value not in entities:
            entities.append(node.name.value)
        out.append(node)
    return out, entities


def build_subgraph_schema(subgraph: Subgraph) -> GraphQLSchema:
    """An executable schema answering the subgraph's own fields, `_service` and `_entities`."""
    definitions, entities = _definitions(subgraph.sdl)
    has_query = any(
        isinstance(d, ObjectTypeDefinitionNode) and d.name.value == "Query" for d in definitions
    )
    root_fields = "_service: _Service!"
    extra = FEDERATION_PRELUDE
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        root_fields += "\n  _entities(representations: [_Any!]!): [_Entity]!"
    extra += f"{'extend type' if has_query else 'type'} Query {{\n  {root_fields}\n}}\n"
    document = DocumentNode(definitions=(*definitions, *parse(extra).definitions))
    schema = build_ast_schema(document)

    for type_name, fields in subgraph.resolvers.items():
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType), type_name
        for field_name, resolver in fields.items():
            object_type.fields[field_name].resolve = resolver

    query = schema.query_type
    assert query is not None
    sdl = subgraph.sdl
    query.fields["_service"].resolve = lambda _root, _info: {"sdl": sdl}
    if entities:
        query.fields["_entities"].resolve = _entities_resolver(subgraph.references)
        entity_union = schema.get_type("_Entity")
        assert isinstance(entity_union, GraphQLUnionType)
        entity_union.resolve_type = _typename_of
    return schema


def _typename_of(value: Any, _info: GraphQLResolveInfo, _type: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def _entities_resolver(references: Mapping[str, ReferenceResolver]) -> Resolver:
    def resolve(_root: Any, _info: GraphQLResolveInfo, representations: list[Any]) -> list[Any]:
        results: list[Any] = []
        for representation in representations:
            if not isinstance(representation, dict) or "__typename" not in representation:
                raise ValueError("every representation must be an object with __typename")
            typename = representation["__typename"]
            reference = references.get(typename)
            if reference is None:
                raise ValueError(f"type {typename!r} is not an entity of this subgraph")
            found = reference(representation)
            results.append(None if found is None else {**found, "__typename": typename})
        return results

    return resolve
