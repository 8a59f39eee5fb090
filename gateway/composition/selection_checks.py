"""Checks shared by @requires and @provides field sets: the selection fits the type, and its leaves
are @external where they must be."""

from __future__ import annotations

from graphql.language import FieldNode, InlineFragmentNode, SelectionSetNode

from .errors import ErrorSink
from .fieldset import FieldSetError, parse_field_set, walk
from .metadata import Metadata
from .model import Applied, Subgraph, named_type


def check_selection(
    sub: Subgraph,
    meta: Metadata,
    parent: str,
    coordinate: str,
    d: Applied,
    what: str,
    sink: ErrorSink,
) -> None:
    text = d.arg_str("fields") or ""
    shown = f'@{what.lower()}(fields: "{text}")'
    try:
        for _ in walk(sub, parent, parse_field_set(text)):
            pass  # walking is the validation: unknown fields and bad selections raise
    except FieldSetError as e:
        sink.error(
            f"{what}_INVALID_FIELDS",
            f'[{sub.name}] On field "{coordinate}", for {shown}: {e}',
            sub.name,
            coordinate,
        )
        return
    if sub.is_fed1 and what == "REQUIRES":
        return  # Federation 1 never checked this; the upgrade already dropped inactive ones
    _check_external_leaves(
        sub, meta, parent, parse_field_set(text), False, coordinate, shown, what, sink
    )


def _check_external_leaves(
    sub: Subgraph,
    meta: Metadata,
    parent: str,
    selection_set: SelectionSetNode,
    external_above: bool,
    coordinate: str,
    shown: str,
    what: str,
    sink: ErrorSink,
) -> None:
    """Leaves of a @requires/@provides must be external, unless a field above them already is."""
    for sel in selection_set.selections:
        if isinstance(sel, InlineFragmentNode):
            cond = sel.type_condition.name.value if sel.type_condition else parent
            _check_external_leaves(
                sub, meta, cond, sel.selection_set, external_above, coordinate, shown, what, sink
            )
            continue
        if not isinstance(sel, FieldNode) or sel.name.value == "__typename":
            continue
        t = sub.types[parent]
        f = t.fields[sel.name.value]
        external = meta.is_external(f)
        if what == "PROVIDES" and f.args:
            sink.error(
                "PROVIDES_FIELDS_HAS_ARGS",
                f'[{sub.name}] On field "{coordinate}", for {shown}: field {f.coordinate} cannot be included because it has arguments (fields with argument are not allowed in @provides)',
                sub.name,
                coordinate,
            )
        if sel.selection_set is None and not external and not external_above:
            verb = "required" if what == "REQUIRES" else "provided"
            sink.error(
                f"{what}_FIELDS_MISSING_EXTERNAL",
                f'[{sub.name}] On field "{coordinate}", for {shown}: field "{f.coordinate}" should not be part of a @{what.lower()} since it is already {verb} by this subgraph (it is not marked @external)',
                sub.name,
                coordinate,
            )
        if sel.selection_set is not None:
            below = external_above or external
            if not below and t.kind == "interface":
                below = any(
                    f.name in impl.fields and meta.is_external(impl.fields[f.name])
                    for impl in sub.implementations(t.name)
                )
            _check_external_leaves(
                sub,
                meta,
                named_type(f.type),
                sel.selection_set,
                below,
                coordinate,
                shown,
                what,
                sink,
            )
