"""Input objects merge by intersection: a field some subgraph lacks is dropped, unless it is
required somewhere (an error) or @inaccessible."""

from __future__ import annotations

from graphql.language import NonNullTypeNode, ValueNode, print_ast

from .context import CompositionContext
from .fieldtypes import merge_default, merge_type_ref
from .model import PLACEHOLDER, Applied, Field, TypeDef
from .supergraph import printable_subgraphs
from .values import string


def merge_input(ctx: CompositionContext, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
    names: list[str] = []
    for _, t in sources:
        names += [n for n in t.fields if n not in names]
    for name in names:
        fsources = [(i, t.fields.get(name)) for i, t in sources]
        present = [(i, f) for i, f in fsources if f is not None]
        out = Field(name, PLACEHOLDER, dest.name)
        out.description = ctx.description(present)
        out.directives = ctx.directives(present)
        all_equal = merge_type_ref(ctx, out, present, out.coordinate, is_input=True)
        if not all_equal or len(present) < len(fsources):
            for i, f in present:
                args: dict[str, ValueNode] = (
                    {"graph": ctx.g(i)}
                    if all_equal
                    else {"graph": ctx.g(i), "type": string(print_ast(f.type))}
                )
                out.directives.append(Applied("join__field", args))
        out.default = merge_default(
            ctx, present, out.coordinate, "Input field", "INPUT_FIELD_DEFAULT_MISMATCH"
        )
        inaccessible = any(d.name == "inaccessible" for d in out.directives)
        if len(present) < len(fsources) and not inaccessible:
            required = [
                ctx.subs[i].name
                for i, f in present
                if isinstance(f.type, NonNullTypeNode) and f.default is None
            ]
            missing = [ctx.subs[i].name for i, f in fsources if f is None]
            if required:
                ctx.sink.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    f'Input object field "{out.coordinate}" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                    None,
                    out.coordinate,
                )
            continue
        dest.fields[name] = out
    if not dest.fields:
        ctx.sink.error(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{dest.name}" are consistently defined in all the subgraphs defining that type. As only fields common to all subgraphs are merged, this would result in an empty type.',
            None,
            dest.name,
        )


# -- after all types -------------------------------------------------------------------------
