"""@composeDirective: custom type-system directives a subgraph asks to keep in the supergraph.

Each must come from a `@link`ed feature; the supergraph links that feature (at the newest version
any subgraph uses), takes the definition from that version, and keeps the applications of the
subgraphs that compose it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .applied import COMPOSED_FEDERATION
from .errors import ErrorSink
from .model import COMPOSE_DIRECTIVE, FED, DirectiveDef, Subgraph


@dataclass
class ComposedDirectives:
    names: dict[str, set[str]] = field(default_factory=dict)  # subgraph -> directive names
    repeatable: set[str] = field(default_factory=set)
    definitions: list[DirectiveDef] = field(default_factory=list)
    # (feature URL, [(name in the feature, name in the supergraph)]) for each supergraph @link
    links: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def composed_directives(subs: list[Subgraph], sink: ErrorSink) -> ComposedDirectives:
    out = ComposedDirectives()
    newest: dict[str, tuple[tuple[int, int], DirectiveDef]] = {}
    links: dict[str, tuple[tuple[int, int], str, dict[tuple[str, str], None]]] = {}
    for sub in subs:
        for d in sub.schema_directives:
            if d.name != COMPOSE_DIRECTIVE:
                continue
            raw = d.arg_str("name") or ""
            if not raw.startswith("@"):
                _error(
                    sink,
                    sub,
                    raw,
                    f'Argument to @composeDirective "{raw}" in subgraph "{sub.name}" must have a leading "@"',
                )
                continue
            name = raw[1:]
            canonical = sub.aliases.get(name, name)
            if canonical.startswith(FED):
                if canonical.removeprefix(FED) not in COMPOSED_FEDERATION:
                    _error(
                        sink,
                        sub,
                        raw,
                        f'Composing federation directive "{raw}" in subgraph "{sub.name}" is not supported',
                    )
                continue  # already composed by federation itself
            link = next((lk for lk in sub.links if name in lk.imports), None)
            definition = sub.directive_defs.get(name)
            if link is None:
                _error(
                    sink,
                    sub,
                    raw,
                    f'Directive "{raw}" in subgraph "{sub.name}" cannot be composed because it is not a member of a core feature',
                )
                continue
            if definition is None:
                _error(
                    sink,
                    sub,
                    raw,
                    f'Could not find matching directive definition for argument to @composeDirective "{raw}" in subgraph "{sub.name}".',
                )
                continue
            out.names.setdefault(sub.name, set()).add(name)
            if definition.repeatable:
                out.repeatable.add(name)
            if name not in newest or link.version > newest[name][0]:
                newest[name] = (link.version, definition)
            version, url, imports = links.get(link.identity, (link.version, link.url, {}))
            if link.version > version:
                version, url = link.version, link.url
            # In the order the directives are composed, as Apollo's composition lists them.
            links[link.identity] = (version, url, {**imports, (link.imports[name], name): None})
    out.definitions = [d for _, d in newest.values()]
    out.links = [(url, list(imports)) for _, url, imports in links.values()]
    return out


def _error(sink: ErrorSink, sub: Subgraph, raw: str, message: str) -> None:
    sink.error("DIRECTIVE_COMPOSITION_ERROR", message, sub.name, raw)
