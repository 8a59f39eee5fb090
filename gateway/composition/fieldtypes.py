"""Merging one element's type and default value across subgraphs (fields, arguments, input fields):
the most general output type, the most restrictive input type, and one default for all."""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import ValueNode, print_ast

from .context import CompositionContext
from .model import Argument, Field, named_type
from .typerefs import is_strict_subtype, same_type
from .values import same


def merge_default(
    ctx: CompositionContext,
    present: Sequence[tuple[int, Argument | Field]],
    coordinate: str,
    kind: str,
    code: str,
) -> ValueNode | None:
    dest = None
    seen = inconsistent = incompatible = False
    for _, a in present:
        if dest is None:
            dest = a.default
            if seen and a.default is not None:
                inconsistent = True
        elif not same(dest, a.default):
            inconsistent = True
            if a.default is not None:
                incompatible = True
        seen = True
    if incompatible:
        shown = " but ".join(
            f'{"default value " + print_ast(a.default) if a.default is not None else "no default value"} in subgraph "{ctx.subs[i].name}"'
            for i, a in present
        )
        ctx.sink.error(
            code,
            f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has {shown}',
            None,
            coordinate,
        )
    return dest if (not inconsistent or incompatible) else None


def merge_type_ref(
    ctx: CompositionContext,
    dest: Field | Argument,
    present: Sequence[tuple[int, Field | Argument]],
    coordinate: str,
    is_input: bool,
) -> bool:
    dest_type = None
    incompatible = has_subtypes = False
    for _, el in present:
        t = el.type
        if dest_type is None or same_type(dest_type, t):
            dest_type = t
        elif is_strict_subtype(dest_type, t, ctx.direct):
            has_subtypes = True
            if is_input:
                dest_type = t
        elif is_strict_subtype(t, dest_type, ctx.direct):
            has_subtypes = True
            if not is_input:
                dest_type = t
        else:
            incompatible = True
    assert dest_type is not None
    dest.type = dest_type
    base = named_type(dest_type)
    target = ctx.out.types.get(base)
    if target is not None and target.kind == "enum":
        pos = "Input" if is_input else "Output"
        prev = ctx.enum_usage.get(base)
        ctx.enum_usage[base] = pos if prev in (None, pos) else "Both"
    if incompatible:
        shown = " and ".join(
            f'type "{print_ast(el.type)}" in subgraph "{ctx.subs[i].name}"' for i, el in present
        )
        code = "ARGUMENT_TYPE_MISMATCH" if isinstance(dest, Argument) else "FIELD_TYPE_MISMATCH"
        what = "argument" if isinstance(dest, Argument) else "field"
        ctx.sink.error(
            code,
            f'Type of {what} "{coordinate}" is incompatible across subgraphs: it has {shown}',
            None,
            coordinate,
        )
        return False
    return not has_subtypes
