"""GraphQL's interface rule (INVALID_GRAPHQL): every implementation has each interface field with a
covariant type and the same arguments, in each subgraph and again in the merged supergraph
(merging can make a field nullable in one place and not in the other)."""

from __future__ import annotations

from ..context import CompositionContext
from ..implementations import Report, check_implementations


def check_subgraph_implementations(ctx: CompositionContext) -> None:
    for _, sub, _ in ctx.checked():
        check_implementations(sub.types, _reporter(ctx, sub.name))


def _reporter(ctx: CompositionContext, subgraph: str) -> Report:
    def report(coordinate: str, message: str) -> None:
        ctx.sink.error("INVALID_GRAPHQL", f"[{subgraph}] {message}", subgraph, coordinate)

    return report


def check_supergraph_implementations(ctx: CompositionContext) -> None:
    check_implementations(
        ctx.out.types,
        lambda coordinate, message: ctx.sink.error("INVALID_GRAPHQL", message, None, coordinate),
    )
