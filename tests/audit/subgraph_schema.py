"""Executable graphql-core schemas for the audit's subgraph SDLs, Federation 1 ones included.

The corpus builder (`harness.federation_schema`) takes Fed 2 SDL. Some audit suites use Fed 1
style SDL: `extend type User @key(...)` with no base definition and `@extends`. graphql-core refuses
to extend a type that does not exist, so an extension whose type the SDL never defines becomes its
definition (that is what the subgraph means by it: the type lives elsewhere in the federation).
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)
from harness.federation_schema import FEDERATION_DEFINITIONS, build_subgraph_schema

# Directives the audit SDLs use beyond those the corpus defines.
EXTRA_DEFINITIONS = """
directive @extends on OBJECT | INTERFACE
directive @composeDirective(name: String!) repeatable on SCHEMA
"""


def _defined_names(document: DocumentNode) -> set[str]:
    kinds = (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode, UnionTypeDefinitionNode)
    return {node.name.value for node in document.definitions if isinstance(node, kinds)}


def orphan_extensions_as_definitions(document: DocumentNode) -> DocumentNode:
    """`extend type|interface|union T` for a T defined nowhere in this SDL -> its definition
    (first one only)."""
    defined = _defined_names(document)
    definitions = []
    for node in document.definitions:
        if isinstance(node, UnionTypeExtensionNode) and node.name.value not in defined:
            node = UnionTypeDefinitionNode(name=node.name, directives=node.directives, types=node.types)
            defined.add(node.name.value)
        elif isinstance(node, ObjectTypeExtensionNode | InterfaceTypeExtensionNode) and node.name.value not in defined:
            target = ObjectTypeDefinitionNode if isinstance(node, ObjectTypeExtensionNode) else InterfaceTypeDefinitionNode
            node = target(
                name=node.name, interfaces=getattr(node, "interfaces", ()), directives=node.directives,
                fields=node.fields, description=None,
            )
            defined.add(node.name.value)
        definitions.append(node)
    return DocumentNode(definitions=tuple(definitions))


def build_audit_subgraph_schema(sdl: str) -> GraphQLSchema:
    document = orphan_extensions_as_definitions(parse(sdl))
    missing = "".join(
        line + "\n" for line in EXTRA_DEFINITIONS.strip().splitlines()
        if f"directive {line.split()[1].split('(')[0]}" not in FEDERATION_DEFINITIONS + sdl
    )
    return build_subgraph_schema(print_ast(document) + "\n" + missing)
