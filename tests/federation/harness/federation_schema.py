"""Build an executable graphql-core schema from a Federation 2 subgraph SDL.

The SDL is what a subgraph author writes (`extend schema @link(...)`, `@key`, ...). graphql-core
needs every directive and scalar it uses to be defined, and a federation subgraph must also expose
`_service { sdl }` and, when it has entities, `_entities(representations:)` over the `_Entity` union.
Those additions follow the subgraph spec: https://www.apollographql.com/docs/federation/subgraph-spec
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    build_ast_schema,
    parse,
)

# Definitions for everything a Fed 2 subgraph SDL may reference by its imported name.
FEDERATION_DEFINITIONS = """
scalar link__Import
scalar FieldSet
scalar _Any
enum link__Purpose { SECURITY EXECUTION }
directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @interfaceObject on OBJECT
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
type _Service { sdl: String }
"""

ROOT_FIELDS = "_service: _Service!"
ENTITIES_FIELD = "_entities(representations: [_Any!]!): [_Entity]!"


def _has_directive(node: ObjectTypeDefinitionNode | ObjectTypeExtensionNode, name: str) -> bool:
    return any(d.name.value == name for d in node.directives or ())


def entity_type_names(document: DocumentNode) -> list[str]:
    """Object types carrying @key (resolvable or not: both may appear in `_Entity`), in SDL order."""
    names: list[str] = []
    for node in document.definitions:
        is_object = isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
        if is_object and _has_directive(node, "key") and node.name.value not in names:
            names.append(node.name.value)
    return names


def _defines_query(document: DocumentNode) -> bool:
    return any(
        isinstance(node, ObjectTypeDefinitionNode) and node.name.value == "Query"
        for node in document.definitions
    )


def build_subgraph_schema(sdl: str) -> GraphQLSchema:
    """The subgraph's own types plus the federation additions, ready to execute."""
    document = parse(sdl)
    entities = entity_type_names(document)
    additions = [FEDERATION_DEFINITIONS]
    root_fields = [ROOT_FIELDS]
    if entities:
        additions.append(f"union _Entity = {' | '.join(entities)}")
        root_fields.append(ENTITIES_FIELD)
    # A subgraph that only contributes entity fields may declare no Query type of its own.
    keyword = "extend type" if _defines_query(document) else "type"
    additions.append(f"{keyword} Query {{ {' '.join(root_fields)} }}")
    return build_ast_schema(parse(sdl + "\n" + "\n".join(additions)), assume_valid_sdl=False)
