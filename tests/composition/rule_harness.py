"""Run one composition rule alone on subgraph SDLs: the stages its phase needs (parse, upgrade,
merge) run first without any other rule, then the rule reports into a fresh sink."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from gateway.composition import CompositionError, SubgraphInput, rules
from gateway.composition.compose import merge_all, parse_all, upgrade_all
from gateway.composition.compose_directive import composed_directives
from gateway.composition.context import CompositionContext
from gateway.composition.errors import ErrorSink


class StageFailed(AssertionError):
    """The subgraphs do not even reach the rule (a stage before it reported errors)."""


def subgraphs(**sdls: str) -> list[SubgraphInput]:
    return [
        SubgraphInput(name, f"http://{name}.example:4000/graphql", textwrap.dedent(sdl))
        for name, sdl in sdls.items()
    ]


def _stage_sink(ctx_sink: ErrorSink, stage: str) -> None:
    if ctx_sink:
        raise StageFailed(f"{stage} failed: {[str(e) for e in ctx_sink.errors]}")


def context_for(rule: rules.Rule, inputs: Sequence[SubgraphInput]) -> CompositionContext:
    """A context filled as far as `rule`'s phase needs, with a fresh, empty sink."""
    if rule not in rules.ALL:
        raise ValueError(f"{rule.__name__} is not one of composition's rules")
    sink = ErrorSink()
    subs = parse_all(inputs, sink)
    _stage_sink(sink, "parsing")
    ctx = CompositionContext(subs, sink)
    if rule not in rules.AS_WRITTEN:
        upgrade_all(ctx)
        _stage_sink(sink, "the Federation 1 upgrade")
    if rule in rules.MERGED or rule in rules.SUPERGRAPH:
        composed = composed_directives(subs, sink)
        merge_all(ctx, composed)
        _stage_sink(sink, "the merge")
    ctx.sink = ErrorSink()
    return ctx


def rule_errors(rule: rules.Rule, inputs: Sequence[SubgraphInput]) -> list[CompositionError]:
    ctx = context_for(rule, inputs)
    rule(ctx)
    return ctx.sink.errors
