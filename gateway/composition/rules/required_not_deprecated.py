"""A required argument or input field (non-null, no default) cannot be @deprecated."""

from __future__ import annotations

from graphql.language import NonNullTypeNode

from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import Applied, Subgraph


def _check_required_not_deprecated(sub: Subgraph, sink: ErrorSink) -> None:
    def check(
        kind: str, coordinate: str, type_node: object, default: object, directives: list[Applied]
    ) -> None:
        if (
            isinstance(type_node, NonNullTypeNode)
            and default is None
            and any(d.name == "deprecated" for d in directives)
        ):
            sink.error(
                "INVALID_GRAPHQL",
                f"[{sub.name}] Required {kind} {coordinate} cannot be deprecated.",
                sub.name,
                coordinate,
            )

    for t in sub.types.values():
        for f in t.fields.values():
            if t.kind == "input":
                check("input field", f.coordinate, f.type, f.default, f.directives)
            for a in f.args.values():
                check("argument", f"{f.coordinate}({a.name}:)", a.type, a.default, a.directives)
    for d in sub.directive_defs.values():
        for a in d.args.values():
            check("argument", f"@{d.name}({a.name}:)", a.type, a.default, a.directives)


def check_required_not_deprecated(ctx: CompositionContext) -> None:
    for sub in ctx.subs:
        _check_required_not_deprecated(sub, ctx.sink)
