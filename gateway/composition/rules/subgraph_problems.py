"""Problems found while reading a subgraph (bad root types, unsupported @link usage, ...); a
subgraph with a broken root type is not checked further."""

from __future__ import annotations

from ..context import CompositionContext


def check_subgraph_problems(ctx: CompositionContext) -> None:
    for i, sub in enumerate(ctx.subs):
        for code, coordinate, message in sub.problems:
            ctx.sink.error(code, f"[{sub.name}] {message}", sub.name, coordinate)
        if any(code.startswith("ROOT_") for code, _, _ in sub.problems):
            ctx.unchecked.add(i)
