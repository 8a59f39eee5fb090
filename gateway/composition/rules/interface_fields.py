"""INTERFACE_FIELD_NO_IMPLEM: an interface field some subgraph declares must exist on every
implementation in the supergraph."""

from __future__ import annotations

from ..context import CompositionContext
from ..supergraph import printable_subgraphs


def check_interface_fields_implemented(ctx: CompositionContext) -> None:
    """Every implementation has every field of its interfaces, whichever subgraph declared it."""
    for t in ctx.out.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for itf_name in t.interfaces:
            itf = ctx.out.types.get(itf_name)
            if itf is None:
                continue
            for fname in itf.fields:
                if fname not in t.fields:
                    with_field = [
                        s.name
                        for s in ctx.subs
                        if (x := s.types.get(itf_name)) is not None
                        and x.kind == "interface"
                        and fname in x.fields
                    ]
                    implementing = [
                        s.name
                        for s in ctx.subs
                        if (x := s.types.get(t.name)) is not None and itf_name in x.interfaces
                    ]
                    ctx.sink.error(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{itf_name}.{fname}" is declared in {printable_subgraphs(with_field)} but type "{t.name}", which implements "{itf_name}" only in {printable_subgraphs(implementing)} does not have field "{fname}".',
                        None,
                        f"{t.name}.{fname}",
                    )
