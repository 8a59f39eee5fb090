"""An event payload as the response of a subscription's primary fetch.

The primary fetch of an event-driven field goes to no server: its selection (the fields the events
subgraph "serves", plus `__typename` and keys for the entity fetches that follow) is filled from
the payload. `@natsReference(key:, from:)` fields become entity references (`{id: payload.projectId}`),
which the `rest` of the plan resolves like any other entity. Compiled once per plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)

from gateway.supergraph.events import EventSources

Builder = Callable[[Any], Any]


class PayloadError(ValueError):
    """The event payload is not an object the subscription's field can be read from."""


def compile_root(operation_text: str, schema: GraphQLSchema, sources: EventSources) -> tuple[str, Builder]:
    """(root response key, payload -> value under it) for the primary fetch `operation_text`."""
    doc = parse(operation_text, no_location=True)
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    root_field = op.selection_set.selections[0]
    assert isinstance(root_field, FieldNode)
    sub_type = schema.subscription_type
    assert sub_type is not None
    field_def = sub_type.fields[root_field.name.value]
    key = root_field.alias.value if root_field.alias else root_field.name.value
    return key, _value_builder(field_def.type, root_field.selection_set, schema, sources)


def _value_builder(t: Any, sel: SelectionSetNode | None, schema: GraphQLSchema, sources: EventSources) -> Builder:
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    if isinstance(t, GraphQLList):
        item = _value_builder(t.of_type, sel, schema, sources)
        return lambda v: [item(x) for x in v] if isinstance(v, list) else v
    if sel is None:
        return lambda v: v
    named = get_named_type(t)
    if isinstance(named, GraphQLObjectType):
        return _object_builder(named, sel, schema, sources)
    # Abstract: the payload must say its type; fields are read per runtime type.
    per_type = {o.name: _object_builder(o, sel, schema, sources) for o in schema.get_possible_types(named)}

    def abstract(v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        build = per_type.get(v.get("__typename"))  # type: ignore[arg-type]  # any value: not a str finds no builder
        return build(v) if build else None

    return abstract


def _constant(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda obj: value


def _read_field(name: str, inner: Builder) -> Callable[[dict[str, Any]], Any]:
    return lambda obj: inner(obj.get(name))


def _object_builder(t: GraphQLObjectType, sel: SelectionSetNode, schema: GraphQLSchema, sources: EventSources) -> Builder:
    steps: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    for node in _fields_for(t, sel, schema):
        key = node.alias.value if node.alias else node.name.value
        name = node.name.value
        if name == "__typename":
            steps.append((key, _constant(t.name)))
            continue
        fdef = t.fields.get(name)
        if fdef is None:
            continue
        refs = sources.references.get((t.name, name))
        inner = _value_builder(fdef.type, node.selection_set, schema, sources)
        if refs:
            def read_ref(obj: dict[str, Any], refs: Any = refs, inner: Builder = inner) -> Any:
                values = {r.key: obj.get(r.source) for r in refs}
                return None if any(v is None for v in values.values()) else inner(values)

            steps.append((key, read_ref))
        else:
            steps.append((key, _read_field(name, inner)))

    def build(v: Any) -> Any:
        if not isinstance(v, dict):
            return None if v is None else v  # the shaper reports a non-object
        return {key: step(v) for key, step in steps}

    return build


def _fields_for(t: GraphQLObjectType, sel: SelectionSetNode, schema: GraphQLSchema) -> list[FieldNode]:
    out: list[FieldNode] = []
    for s in sel.selections:
        if isinstance(s, FieldNode):
            out.append(s)
        elif isinstance(s, InlineFragmentNode):
            cond = s.type_condition.name.value if s.type_condition else t.name
            ct = schema.get_type(cond)
            if cond == t.name or (ct is not None and not isinstance(ct, GraphQLObjectType) and schema.is_sub_type(ct, t)):  # type: ignore[arg-type]  # not an object type: an abstract one
                out.extend(_fields_for(t, s.selection_set, schema))
    return out
