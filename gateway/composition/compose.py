"""`compose()`: the one function that chains the stages — parse, upgrade Federation 1 subgraphs,
check each subgraph, merge, print."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from graphql.language import NonNullTypeNode

from .applied import merge_applied
from .errors import ErrorSink, SubgraphParseError
from .implementations import check_implementations
from .inaccessible import check_inaccessible
from .merge import Merger
from .metadata import Metadata
from .model import COMPOSE_DIRECTIVE, EXTENDS, Argument, DirectiveDef, Subgraph
from .satisfiability import check_satisfiability
from .specs import join_version
from .subgraph import parse_subgraph
from .subgraph_rules import check_as_written, check_subgraph
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
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)

    for sub in subs:
        check_as_written(sub, sink)
    _check_fed1_extensions(subs, sink)
    # The upgrade compares against every subgraph as written; only Federation 1 ones change.
    originals = [copy.deepcopy(s) if s.is_fed1 else s for s in subs]
    for sub in subs:
        if sub.is_fed1:
            upgrade_fed1(sub, originals, sink)
    metas = [Metadata(s) for s in subs]
    for sub, meta in zip(subs, metas, strict=True):
        check_subgraph(sub, meta, sink)
    composed, repeatable, custom_defs, extra_links = _composed_directives(subs, sink)
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)

    fed = max((s.fed_version or FED1_UPGRADE_VERSION for s in subs), default=FED1_UPGRADE_VERSION)
    merger = Merger(subs, metas, sink, composed, repeatable)
    supergraph = merger.merge()
    supergraph.extra_links = extra_links
    custom_defs += _executable_directives(subs, sink)
    if not sink:
        check_implementations(
            supergraph.types,
            lambda coordinate, message: sink.error("INVALID_GRAPHQL", message, None, coordinate),
        )
    if not sink:
        check_inaccessible(supergraph, custom_defs, sink)
    if not sink:
        check_satisfiability(supergraph, subs, metas, merger.overridden, merger.dropped, sink)
    if sink:
        return CompositionResult(None, sink.errors, sink.hints)
    from .emit import emit_supergraph

    return CompositionResult(
        emit_supergraph(supergraph, join_version(fed), custom_defs), [], sink.hints
    )


def _check_fed1_extensions(subs: list[Subgraph], sink: ErrorSink) -> None:
    """A Federation 1 `extend type` needs a definition in some subgraph (Apollo's pre-upgrade check)."""
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


def _composed_directives(
    subs: list[Subgraph], sink: ErrorSink
) -> tuple[dict[str, set[str]], set[str], list[DirectiveDef], list[tuple[str, list[str]]]]:
    """Custom directives kept through @composeDirective: their names (per subgraph), which are
    repeatable, their definitions and the @links that bring them into the supergraph."""
    names: dict[str, set[str]] = {}
    repeatable: set[str] = set()
    defs: dict[str, tuple[tuple[int, int], DirectiveDef]] = {}
    links: dict[str, tuple[tuple[int, int], str, list[str]]] = {}
    for sub in subs:
        for d in sub.schema_directives:
            if d.name != COMPOSE_DIRECTIVE:
                continue
            raw = d.arg_str("name") or ""
            name = raw.removeprefix("@")
            link = next((lk for lk in sub.links if name in lk.imports), None)
            definition = sub.directive_defs.get(name)
            if not raw.startswith("@") or definition is None:
                sink.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Could not find matching directive definition for argument to @composeDirective "{raw}" in subgraph "{sub.name}".',
                    sub.name,
                    raw,
                )
                continue
            if link is None:
                sink.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Directive "{raw}" in subgraph "{sub.name}" cannot be composed because it is not a member of a core feature',
                    sub.name,
                    raw,
                )
                continue
            names.setdefault(sub.name, set()).add(name)
            if definition.repeatable:
                repeatable.add(name)
            if name not in defs or link.version > defs[name][0]:
                defs[name] = (link.version, definition)
            prev = links.get(link.identity)
            imports = sorted(set((prev[2] if prev else []) + [name]))
            url = link.url if prev is None or link.version >= prev[0] else prev[1]
            links[link.identity] = (
                max(link.version, prev[0]) if prev else link.version,
                url,
                imports,
            )
    return names, repeatable, [d for _, d in defs.values()], [(u, i) for _, u, i in links.values()]


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
