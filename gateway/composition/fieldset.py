"""Field sets (`@key(fields:)`, `@requires`, `@provides`): parsing and walking them over a subgraph."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import GraphQLSyntaxError, parse
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from .model import Field, Subgraph, named_type


class FieldSetError(Exception):
    """A field set that does not parse or does not fit the type; `kind` refines the error code."""

    def __init__(self, message: str, kind: str = "INVALID_FIELDS") -> None:
        super().__init__(message)
        self.kind = kind


@lru_cache(maxsize=4096)
def parse_field_set(text: str) -> SelectionSetNode:
    """Parsed once per distinct text: the same keys are walked again and again."""
    try:
        doc = parse("{" + text + "}")
    except GraphQLSyntaxError as e:
        raise FieldSetError(f'Invalid fields "{text}": {e.message}') from e
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    return op.selection_set


@dataclass(frozen=True)
class Selected:
    """A field a field set selects, with its selection node (for args/sub-selections)."""

    field: Field
    node: FieldNode
    parent: str


def walk(sub: Subgraph, parent: str, selection_set: SelectionSetNode) -> Iterator[Selected]:
    """Every field a field set selects, depth first; raises FieldSetError on unknown fields/types."""
    parent_type = sub.types.get(parent)
    for sel in selection_set.selections:
        if isinstance(sel, FragmentSpreadNode):
            raise FieldSetError("named fragments are not allowed in field sets")
        if isinstance(sel, InlineFragmentNode):
            cond = sel.type_condition.name.value if sel.type_condition else parent
            if cond not in sub.types:
                raise FieldSetError(f'Unknown type "{cond}"')
            yield from walk(sub, cond, sel.selection_set)
            continue
        assert isinstance(sel, FieldNode)
        name = sel.name.value
        if name == "__typename":
            continue
        if parent_type is None or parent_type.kind not in ("object", "interface"):
            raise FieldSetError(f'Cannot query field "{name}" on type "{parent}"')
        f = parent_type.fields.get(name)
        if f is None:
            raise FieldSetError(
                f'Cannot query field "{name}" on type "{parent}" (if the field is defined in another subgraph, you need to add it to this subgraph with @external).'
            )
        yield Selected(f, sel, parent)
        target = sub.types.get(named_type(f.type))
        is_composite = target is not None and target.kind in ("object", "interface", "union")
        if sel.selection_set is not None:
            if not is_composite:
                raise FieldSetError(
                    f'Field "{f.coordinate}" must not have a selection since type "{named_type(f.type)}" has no subfields.'
                )
            yield from walk(sub, named_type(f.type), sel.selection_set)
        elif is_composite:
            raise FieldSetError(
                f'Field "{f.coordinate}" of type "{named_type(f.type)}" must have a selection of subfields.'
            )


def target_fields(sub: Subgraph, parent: str, text: str | None) -> list[Selected]:
    """Lenient variant for metadata: whatever resolves, no errors."""
    if not text:
        return []
    try:
        return list(walk(sub, parent, parse_field_set(text)))
    except FieldSetError:
        return []
