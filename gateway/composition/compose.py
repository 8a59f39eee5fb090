"""`compose()`: the one function that chains the stages — parse, upgrade Federation 1 subgraphs,
merge, print — and runs each phase's validation rules (`rules/`) on the composition context."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from graphql.language import NonNullTypeNode

from . import rules
from .applied import merge_applied
from .compose_directive import ComposedDirectives, composed_directives
from .context import CompositionContext
from .errors import ErrorSink, SubgraphParseError
from .merge import Merger
from .metadata import Metadata
from .model import Argument, DirectiveDef, Subgraph
from .specs import join_version
from .subgraph import parse_subgraph
from .supergraph import printable_subgraphs
from .typerefs import is_strict_subtype
from .types import CompositionError, CompositionResult, SubgraphInput
from .upgrade import upgrade_fed1

EXECUTABLE_LOCATIONS = (
    "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT", "VARIABLE_DEFINITION",
)  # fmt: skip
# Federation 1 subgraphs are upgraded as if they linked this federation version.
FED1_UPGRADE_VERSION = (2, 4)


def compose(subgraphs: Sequence[SubgraphInput]) -> CompositionResult:
    """Compose subgraphs into a supergraph; failures come back as errors, never as exceptions."""
    try:
        return _compose(subgraphs)
    except Exception as e:  # a bug of ours must still reach the caller as a composition error
        error = CompositionError(
            "INTERNAL_ERROR", f"composition failed unexpectedly: {type(e).__name__}: {e}"
        )
        return CompositionResult(None, [error], [])


def _compose(subgraphs: Sequence[SubgraphInput]) -> CompositionResult:
    sink = ErrorSink()
    subs = parse_all(subgraphs, sink)
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)
    ctx = CompositionContext(subs, sink)
    _run(rules.AS_WRITTEN, ctx)
    # A subgraph that is not valid GraphQL gets no federation checks (Apollo stops building it).
    invalid = {e.subgraph for e in sink.errors if e.code == "INVALID_GRAPHQL"}
    ctx.unchecked.update(i for i, s in enumerate(subs) if s.name in invalid)
    upgrade_all(ctx)
    _run(rules.SUBGRAPH, ctx)
    composed = composed_directives(subs, sink)
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)
    merge_all(ctx, composed)
    _run(rules.MERGED, ctx)
    for rule in rules.SUPERGRAPH:
        if sink:
            break
        rule(ctx)
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)
    from .emit import emit_supergraph

    fed = max((s.fed_version or FED1_UPGRADE_VERSION for s in subs), default=FED1_UPGRADE_VERSION)
    return CompositionResult(
        emit_supergraph(ctx.out, join_version(fed), ctx.custom_defs), [], sink.hints
    )


def _run(phase: Sequence[rules.Rule], ctx: CompositionContext) -> None:
    for rule in phase:
        rule(ctx)


# -- the stages, also used on their own by the rule test harness ------------------------------
def parse_all(subgraphs: Sequence[SubgraphInput], sink: ErrorSink) -> list[Subgraph]:
    """Parse every subgraph (in name order, as Apollo); duplicate names and bad SDL are errors."""
    subs: list[Subgraph] = []
    seen: set[str] = set()
    for source in sorted(subgraphs, key=lambda s: s.name):
        if source.name in seen:
            sink.error(
                "INVALID_SUBGRAPH_NAME",
                f'A subgraph named "{source.name}" already exists',
                source.name,
            )
            continue
        seen.add(source.name)
        try:
            subs.append(parse_subgraph(source))
        except SubgraphParseError as e:
            sink.errors.append(e.error)
    if not subs and not sink:
        sink.error("NO_QUERIES", "No subgraphs to compose.")
    return subs


def upgrade_all(ctx: CompositionContext) -> None:
    """Upgrade Federation 1 subgraphs in place, then derive every subgraph's metadata."""
    # The upgrade compares against every subgraph as written; only Federation 1 ones change.
    originals = [copy.deepcopy(s) if s.is_fed1 else s for s in ctx.subs]
    for sub in ctx.subs:
        if sub.is_fed1:
            upgrade_fed1(sub, originals, ctx.sink)
    ctx.metas = [Metadata(s) for s in ctx.subs]


def merge_all(ctx: CompositionContext, composed: ComposedDirectives) -> None:
    """Merge into `ctx.out`, with the @composeDirective features and executable directives."""
    ctx.composed = composed.names
    ctx.repeatable = composed.repeatable
    Merger(ctx).merge()
    ctx.out.extra_links = composed.links
    ctx.custom_defs = composed.definitions + _executable_directives(ctx.subs, ctx.sink)


def _executable_directives(subs: list[Subgraph], sink: ErrorSink) -> list[DirectiveDef]:
    """Executable directives defined in every subgraph, on the locations all of them accept."""
    out = []
    first = subs[0]
    for name, d in first.directive_defs.items():
        if not any(loc in EXECUTABLE_LOCATIONS for loc in d.locations):
            continue
        others = [s.directive_defs.get(name) for s in subs[1:]]
        if any(o is None for o in others):
            continue
        locations = [loc for loc in d.locations if loc in EXECUTABLE_LOCATIONS]
        for o in others:
            assert o is not None
            locations = [loc for loc in locations if loc in o.locations]
        if not locations:
            continue
        repeatable = all(o.repeatable for o in [d, *others] if o is not None)
        definitions = [o for o in [d, *others] if o is not None]
        args = {}
        for a in d.args.values():
            versions = [o.args[a.name] for o in definitions if a.name in o.args]
            if len(versions) < len(definitions):
                # An argument some subgraph lacks is left out, as for fields, unless required.
                required = [
                    sub.name
                    for sub in subs
                    if (o := sub.directive_defs.get(name)) is not None
                    and (x := o.args.get(a.name)) is not None
                    and isinstance(x.type, NonNullTypeNode)
                    and x.default is None
                ]
                if required:
                    missing = [
                        sub.name for sub in subs if a.name not in sub.directive_defs[name].args
                    ]
                    sink.error(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "@{name}({a.name}:)" is required in some subgraphs but does not appear in all subgraphs: it is required in {printable_subgraphs(required)} but does not appear in {printable_subgraphs(missing)}',
                        None,
                        f"@{name}({a.name}:)",
                    )
                continue
            arg_type = a.type
            for v in versions[1:]:
                # Input position: the most restrictive type (T! over T) is the one all accept.
                if is_strict_subtype(arg_type, v.type, lambda _sup, _sub: False):
                    arg_type = v.type
            directives = merge_applied([(v.directives, set()) for v in versions], set())
            args[a.name] = Argument(a.name, arg_type, a.default, a.description, directives)
        out.append(DirectiveDef(name, args, repeatable, locations, d.description))
    return out
