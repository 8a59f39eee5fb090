"""Known types and directives only: every name a subgraph refers to is defined or imported."""

from __future__ import annotations

from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import EXTERNAL, FED, Applied, Subgraph, named_type
from ..subgraph import BUILTIN_DIRECTIVES, BUILTIN_SCALARS, UNKNOWN


def _check_references(sub: Subgraph, sink: ErrorSink) -> None:
    known_types = set(sub.types) | set(BUILTIN_SCALARS)
    known_directives = set(sub.directive_defs) | set(BUILTIN_DIRECTIVES)
    for link in sub.links:
        known_directives.update(link.imports)
        known_directives.update(
            d.name
            for t in sub.types.values()
            for d in t.directives
            if d.name.startswith(link.name + "__")
        )

    def check_directives(ds: list[Applied], where: str) -> None:
        for d in ds:
            if d.name not in known_directives and not d.name.startswith(FED):
                name = d.name.removeprefix(UNKNOWN)
                sink.error(
                    "INVALID_GRAPHQL", f'[{sub.name}] Unknown directive "@{name}".', sub.name, where
                )

    def check_type(type_name: str, where: str) -> None:
        if type_name not in known_types:
            sink.error(
                "INVALID_GRAPHQL", f'[{sub.name}] Unknown type "{type_name}".', sub.name, where
            )

    for t in sub.types.values():
        check_directives(t.directives, t.name)
        for f in t.fields.values():
            check_type(named_type(f.type), f.coordinate)
            check_directives([d for d in f.directives if d.name != EXTERNAL], f.coordinate)
            for a in f.args.values():
                check_type(named_type(a.type), f"{f.coordinate}({a.name}:)")
                check_directives(a.directives, f"{f.coordinate}({a.name}:)")
        for v in t.values.values():
            check_directives(v.directives, f"{t.name}.{v.name}")
        for m in t.members + t.interfaces:
            check_type(m, t.name)
    for d in [*sub.directive_defs.values(), *sub.federation_defs.values()]:
        for a in d.args.values():
            check_type(named_type(a.type), f"@{d.name}({a.name}:)")
            check_directives(a.directives, f"@{d.name}({a.name}:)")


def check_references(ctx: CompositionContext) -> None:
    for sub in ctx.subs:
        _check_references(sub, ctx.sink)
