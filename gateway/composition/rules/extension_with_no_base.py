"""EXTENSION_WITH_NO_BASE: a Federation 1 `extend type` needs a definition in some subgraph
(Apollo's check before the Federation 1 upgrade)."""

from __future__ import annotations

from ..context import CompositionContext
from ..model import EXTENDS


def check_extensions_have_base(ctx: CompositionContext) -> None:
    subs, sink = ctx.subs, ctx.sink
    for sub in subs:
        if not sub.is_fed1:
            continue
        for t in sub.types.values():
            if t.kind not in ("object", "interface") or t.name in sub.roots.values():
                continue
            is_extension = (t.has_extension or t.has(EXTENDS)) and (
                t.has(EXTENDS) or not t.has_definition
            )
            if not is_extension:
                continue
            if not any(
                o is not sub
                and (ot := o.types.get(t.name)) is not None
                and ot.has_definition
                and not ot.has(EXTENDS)
                for o in subs
            ):
                sink.error(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{sub.name}] Type "{t.name}" is an extension type, but there is no type definition for "{t.name}" in any subgraph.',
                    sub.name,
                    t.name,
                )
