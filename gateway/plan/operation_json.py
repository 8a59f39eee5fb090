"""The normalised operation as JSON, and back against the schema it was normalised for.

Field lists the normaliser shares (the same sub-selection under many runtime types) are written
once and referenced by index, so the JSON stays as small as the tree and reading it back restores
the sharing. Field types are written as type references (`[Product!]!`) and resolved against the
API schema; field nodes as GraphQL text (arguments and directives; the whole selection only for
the introspection fields the gateway answers itself, which are executed from their nodes).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    parse_type,
    print_ast,
    type_from_ast,
)

from gateway.plan.fields import NField
from gateway.plan.operation import Operation

LOCAL_FIELDS = ("__schema", "__type")


def operation_to_json(op: Operation) -> dict[str, Any]:
    lists: list[list[dict[str, Any]]] = []
    index: dict[int, int] = {}

    def ref(fields: list[NField]) -> int:
        i = index.get(id(fields))
        if i is None:
            i = index[id(fields)] = len(lists)
            lists.append([])  # reserve the slot first: children refer to lists after it
            lists[i] = [field(nf) for nf in fields]
        return i

    def field(nf: NField) -> dict[str, Any]:
        d: dict[str, Any] = {
            "key": nf.key,
            "name": nf.name,
            "parent": nf.parent,
            "type": str(nf.type) if nf.type is not None else None,
            "named": nf.named,
            "abstract": nf.abstract,
            "leaf": nf.leaf,
            "args": nf.args,
            "nodes": [_print_node(n, nf.name in LOCAL_FIELDS and nf.type is None) for n in nf.nodes],
        }
        if nf.denied:
            d["denied"] = True
        if nf.children:
            d["children"] = {rt: ref(kids) for rt, kids in nf.children.items()}
        return d

    fields = ref(op.fields)
    plan_fields = ref(op.plan_fields)
    out: dict[str, Any] = {
        "kind": op.kind,
        "name": op.name,
        "document": op.text,
        "fields": fields,
        "planFields": plan_fields,
        "fieldLists": lists,
    }
    if op.errors:
        out["errors"] = list(op.errors)
    return out


def operation_from_json(d: dict[str, Any], schema: GraphQLSchema) -> Operation:
    """Raises ValueError/KeyError/TypeError for JSON that is not an operation of this schema."""
    raw_lists: list[list[dict[str, Any]]] = d["fieldLists"]
    lists: dict[int, list[NField]] = {}
    types: dict[str, GraphQLOutputType] = {}

    def type_of(ref: str | None) -> GraphQLOutputType | None:
        if ref is None:
            return None
        t = types.get(ref)
        if t is None:
            found = type_from_ast(schema, parse_type(ref))
            if found is None:
                raise ValueError(f'unknown type "{ref}"')
            t = types[ref] = found  # type: ignore[assignment]
        return t

    def fields_at(i: int) -> list[NField]:
        done = lists.get(i)
        if done is None:
            done = lists[i] = []  # before its fields: a list never contains itself, but stay safe
            done.extend(field(f) for f in raw_lists[i])
        return done

    def field(f: dict[str, Any]) -> NField:
        nf = NField(
            f["key"], f["name"], f["parent"], _parse_nodes(f["nodes"]), type_of(f["type"]), f["named"],
            bool(f["abstract"]), bool(f["leaf"]), f["args"], denied=bool(f.get("denied", False)),
        )
        for rt, j in (f.get("children") or {}).items():
            nf.children[rt] = fields_at(j)
        return nf

    text: str = d["document"]
    definition, fragments = _definitions(text, d.get("name"))
    return Operation(
        kind=d["kind"],
        name=d.get("name"),
        text=text,
        fields=fields_at(d["fields"]),
        plan_fields=fields_at(d["planFields"]),
        errors=tuple(d.get("errors", ())),
        definition=definition,
        fragments=fragments,
    )


def _print_node(node: FieldNode, whole: bool) -> str:
    if whole or node.selection_set is None:
        return print_ast(node)
    head = FieldNode(alias=node.alias, name=node.name, arguments=node.arguments, directives=node.directives)
    return print_ast(head)


def _parse_nodes(texts: list[str]) -> list[FieldNode]:
    document = parse("{" + " ".join(texts) + "}", no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    nodes = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if len(nodes) != len(texts):
        raise ValueError("field nodes that are not fields")
    return nodes


def _definitions(
    text: str, name: str | None
) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    document = parse(text, no_location=True)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for op in operations:
        if (op.name.value if op.name else None) == name:
            return op, fragments
    raise ValueError(f"the document has no operation {name!r}")
