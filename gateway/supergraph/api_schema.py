"""The client-facing (API) schema of a supergraph.

It is the supergraph without the join/link/core machinery and without anything marked
`@inaccessible`; clients validate and introspect against it, so an operation that names a hidden
element fails validation like any unknown field.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLSchema,
    NamedTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
)
from graphql.language import ConstDirectiveNode, Node

from gateway.supergraph.links import Links

# Directives the API schema keeps on its elements (the spec's own).
_KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})


# Incremental delivery as Apollo Router offers it (deferSpec=20220824): declared so that clients
# may use it, and so that graphql-core's @defer rules (not on mutation or subscription roots,
# unique labels) validate it. @stream is not offered.
_DEFER = parse(
    "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT",
    no_location=True,
).definitions[0]


def _named_type(node: Any) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type
    return node.name.value


def build_api_schema(document: DocumentNode, links: Links) -> GraphQLSchema:
    inaccessible = links.directive("inaccessible")
    machinery_directives = links.spec_directive_names() | {"link", "core"}

    def hidden(node: Node) -> bool:
        return inaccessible is not None and any(
            d.name.value == inaccessible for d in getattr(node, "directives", None) or ()
        )

    hidden_types = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
        and (hidden(d) or links.is_machinery(d.name.value))
    }

    def keep_directives(directives: tuple[ConstDirectiveNode, ...] | None) -> tuple[ConstDirectiveNode, ...]:
        return tuple(d for d in directives or () if d.name.value in _KEPT_DIRECTIVES)

    def clean_args(args: Any) -> tuple[Any, ...]:
        return tuple(
            a.__class__(**{**_fields(a), "directives": keep_directives(a.directives)})
            for a in args or ()
            if not hidden(a) and _named_type(a) not in hidden_types
        )

    definitions: list[Any] = []
    for d in document.definitions:
        if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode):
            definitions.append(d.__class__(**{**_fields(d), "directives": ()}))
            continue
        if isinstance(d, DirectiveDefinitionNode):
            if d.name.value in machinery_directives or links.is_machinery(d.name.value):
                continue
            definitions.append(d.__class__(**{**_fields(d), "arguments": clean_args(d.arguments)}))
            continue
        if not isinstance(d, TypeDefinitionNode | TypeExtensionNode) or d.name.value in hidden_types:
            continue
        updates: dict[str, Any] = {"directives": keep_directives(d.directives)}
        if (fields := getattr(d, "fields", None)) is not None:
            updates["fields"] = tuple(
                f.__class__(
                    **{
                        **_fields(f),
                        "directives": keep_directives(f.directives),
                        **({"arguments": clean_args(f.arguments)} if hasattr(f, "arguments") else {}),
                    }
                )
                for f in fields
                if not hidden(f) and _named_type(f) not in hidden_types
            )
        if (interfaces := getattr(d, "interfaces", None)) is not None:
            updates["interfaces"] = tuple(i for i in interfaces if i.name.value not in hidden_types)
        if (types := getattr(d, "types", None)) is not None:
            updates["types"] = tuple(t for t in types if t.name.value not in hidden_types)
        if (values := getattr(d, "values", None)) is not None:
            updates["values"] = tuple(
                v.__class__(**{**_fields(v), "directives": keep_directives(v.directives)})
                for v in values
                if not hidden(v)
            )
        definitions.append(d.__class__(**{**_fields(d), **updates}))
    if not any(isinstance(d, DirectiveDefinitionNode) and d.name.value == "defer" for d in definitions):
        definitions.append(_DEFER)
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=True)


def _fields(node: Node) -> dict[str, Any]:
    return {k: getattr(node, k) for k in node.keys}
