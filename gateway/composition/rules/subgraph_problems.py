"""Problems found while reading a subgraph (bad root types, duplicate types, ...); a subgraph
with one is not checked further, as Apollo stops building it."""

from __future__ import annotations

from ..context import CompositionContext


def check_subgraph_problems(ctx: CompositionContext) -> None:
    for i, sub in enumerate(ctx.subs):
        for code, coordinate, message in sub.problems:
            ctx.sink.error(code, f"[{sub.name}] {message}", sub.name, coordinate)
        # Not valid GraphQL, or a root type federation cannot rename: nothing else makes sense.
        if any(
            code.startswith("ROOT_") or code == "INVALID_GRAPHQL" for code, _, _ in sub.problems
        ):
            ctx.unchecked.add(i)
