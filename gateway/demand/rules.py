"""The `@cost` and `@listSize` directives of a supergraph, read once per schema.

Weights follow Apollo Router's demand control: a field returning an object, interface or union
costs 1, a leaf 0, unless `@cost(weight:)` on the field (or on its type) says otherwise; an argument
costs its `@cost` weight; a mutation costs 10 more. A list multiplies its items' cost by its size:
the largest value of its `slicingArguments`, else its `assumedSize`, else the configured default;
with `sizedFields` the size applies to those child lists instead (connections: `edges`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    IntValueNode,
    ListValueNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
)
from graphql.language import ConstDirectiveNode

from gateway.supergraph.links import Links


@dataclass(frozen=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass
class CostRules:
    field_weight: dict[tuple[str, str], int] = field(default_factory=dict)
    type_weight: dict[str, int] = field(default_factory=dict)
    argument_weight: dict[tuple[str, str, str], int] = field(default_factory=dict)
    list_size: dict[tuple[str, str], ListSize] = field(default_factory=dict)

    @classmethod
    def read(cls, document: DocumentNode, links: Links) -> CostRules:
        cost = links.directive("cost")
        list_size = links.directive("cost", "listSize")
        rules = cls()
        if cost is None and list_size is None:
            return rules

        def weight(directives: tuple[ConstDirectiveNode, ...] | None) -> int | None:
            for d in directives or ():
                if d.name.value == cost:
                    for a in d.arguments or ():
                        if a.name.value == "weight" and isinstance(a.value, IntValueNode):
                            return int(a.value.value)
            return None

        for d in document.definitions:
            if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
                continue
            name = d.name.value
            w = weight(d.directives)
            if w is not None:
                rules.type_weight[name] = w
            if isinstance(d, InputObjectTypeDefinitionNode):
                continue
            for f in getattr(d, "fields", None) or ():
                if not isinstance(f, FieldDefinitionNode):
                    continue
                w = weight(f.directives)
                if w is not None:
                    rules.field_weight[(name, f.name.value)] = w
                for arg in f.arguments or ():
                    w = weight(arg.directives)
                    if w is not None:
                        rules.argument_weight[(name, f.name.value, arg.name.value)] = w
                for directive in f.directives or ():
                    if directive.name.value == list_size:
                        rules.list_size[(name, f.name.value)] = _list_size(directive)
        return rules


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, ListValueNode):
        return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
    return ()


def _list_size(d: ConstDirectiveNode) -> ListSize:
    assumed: int | None = None
    slicing: tuple[str, ...] = ()
    sized: tuple[str, ...] = ()
    require_one = True
    for a in d.arguments or ():
        if a.name.value == "assumedSize" and isinstance(a.value, IntValueNode):
            assumed = int(a.value.value)
        elif a.name.value == "slicingArguments":
            slicing = _strings(a.value)
        elif a.name.value == "sizedFields":
            sized = _strings(a.value)
        elif a.name.value == "requireOneSlicingArgument" and isinstance(a.value, BooleanValueNode):
            require_one = a.value.value
    return ListSize(assumed, slicing, sized, require_one)
