"""Enums merge by usage: output-only enums take the union of values, input-only ones the
intersection, and enums used both ways must agree everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Applied, EnumValue, TypeDef
from .supergraph import printable_subgraphs

if TYPE_CHECKING:
    from .context import CompositionContext


def merge_enum(ctx: CompositionContext, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
    usage = ctx.enum_usage.get(dest.name)
    if usage is None:
        usage = "Output"
        ctx.sink.hint("UNUSED_ENUM_TYPE", f'Enum type "{dest.name}" is defined but unused.')
    names: list[str] = []
    for _, t in sources:
        names += [v for v in t.values if v not in names]
    for name in names:
        vsources = [(i, t.values.get(name)) for i, t in sources]
        present = [(i, v) for i, v in vsources if v is not None]
        value = EnumValue(name, ctx.description(present), ctx.directives(present))
        value.directives += [Applied("join__enumValue", {"graph": ctx.g(i)}) for i, _ in present]
        inaccessible = any(d.name == "inaccessible" for d in value.directives)
        if not inaccessible and usage != "Output" and len(present) < len(vsources):
            if usage == "Both":
                missing = [ctx.subs[i].name for i, v in vsources if v is None]
                ctx.sink.error(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{dest.name}" is used as both input type and output type, but value "{name}" is not defined in all the subgraphs defining "{dest.name}": "{name}" is defined in {printable_subgraphs([ctx.subs[i].name for i, _ in present])} but not in {printable_subgraphs(missing)}',
                    None,
                    f"{dest.name}.{name}",
                )
            else:
                ctx.sink.hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    f'Value "{name}" of enum type "{dest.name}" will not be part of the supergraph as it is not defined in all the subgraphs defining "{dest.name}"',
                )
                continue
        dest.values[name] = value
    if not dest.values:
        ctx.sink.error(
            "EMPTY_MERGED_ENUM_TYPE",
            f'None of the values of enum type "{dest.name}" are defined consistently in all the subgraphs defining that type. As only values common to all subgraphs are merged, this would result in an empty type.',
            None,
            dest.name,
        )
