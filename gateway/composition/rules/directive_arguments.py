"""Federation directives get the arguments they need, and only those they know; field sets are
strings. A subgraph failing this is not checked further (nothing else would make sense)."""

from __future__ import annotations

from graphql.language import NonNullTypeNode, StringValueNode, print_ast

from ..applications import all_applied
from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import FED, KEY, PROVIDES, REQUIRES, Applied, Subgraph

# Arguments each federation directive cannot do without (the spec declares them non-null).
REQUIRED_ARGS = {
    "key": ("fields", "federation__FieldSet!"), "requires": ("fields", "federation__FieldSet!"),
    "provides": ("fields", "federation__FieldSet!"), "override": ("from", "String!"),
    "tag": ("name", "String!"), "composeDirective": ("name", "String!"),
    "requiresScopes": ("scopes", "[[federation__Scope!]!]!"),
    "policy": ("policies", "[[federation__Policy!]!]!"), "cost": ("weight", "Int!"),
    "context": ("name", "String!"),
}  # fmt: skip


FIELD_SET_DIRECTIVES = {KEY: "KEY", REQUIRES: "REQUIRES", PROVIDES: "PROVIDES"}


# Arguments each federation directive accepts (and the version that added the later ones).
KNOWN_ARGS: dict[str, tuple[str, ...]] = {
    "key": ("fields", "resolvable"), "requires": ("fields",), "provides": ("fields",),
    "external": ("reason",), "override": ("from", "label"), "tag": ("name",),
    "composeDirective": ("name",), "requiresScopes": ("scopes",), "policy": ("policies",),
    "cost": ("weight",), "context": ("name",), "fromContext": ("field",),
    "listSize": ("assumedSize", "slicingArguments", "sizedFields", "requireOneSlicingArgument"),
}  # fmt: skip


ARGS_SINCE = {("override", "label"): (2, 7)}


def _known_arguments(sub: Subgraph, d: Applied, short: str) -> tuple[str, ...] | None:
    """The arguments directive `d` accepts in this subgraph (None: not ours to check)."""
    declared = sub.federation_defs.get(d.name) or sub.directive_defs.get(d.name)
    if declared is not None:
        return tuple(declared.args)
    if short == d.name:
        return None  # built-in or unknown directives are checked elsewhere
    version = sub.fed_version or (2, 0)
    return tuple(
        a for a in KNOWN_ARGS.get(short, ()) if ARGS_SINCE.get((short, a), (2, 0)) <= version
    )


def _check_directive_arguments(sub: Subgraph, sink: ErrorSink) -> bool:
    """Required arguments are present and field sets are strings (else nothing else can be checked)."""
    ok = True
    broken: set[str] = set()  # definitions already reported: their uses are not checked again
    for canonical, definition in sub.federation_defs.items():
        short = canonical.removeprefix(FED)
        required = REQUIRED_ARGS.get(short)
        if required is not None and required[0] not in definition.args:
            ok = False
            broken.add(canonical)
            sink.error(
                "DIRECTIVE_DEFINITION_INVALID",
                f'[{sub.name}] Invalid definition for directive "@{definition.name}": missing required argument "{required[0]}"',
                sub.name,
                f"@{definition.name}",
            )
        elif required is not None and "__" not in required[1]:
            found = print_ast(definition.args[required[0]].type)
            if found != required[1]:
                ok = False
                broken.add(canonical)
                sink.error(
                    "DIRECTIVE_DEFINITION_INVALID",
                    f'[{sub.name}] Invalid definition for directive "@{definition.name}": argument "{required[0]}" should have type "{required[1]}" but found type "{found}"',
                    sub.name,
                    f"@{definition.name}",
                )
    for coordinate, _, ds in all_applied(sub):
        for d in ds:
            if d.name in broken:
                continue
            short = d.name.removeprefix(FED)
            known = _known_arguments(sub, d, short)
            for arg in d.args:
                if known is not None and arg not in known:
                    ok = False
                    sink.error(
                        "INVALID_GRAPHQL",
                        f'[{sub.name}] Unknown argument "{arg}" on directive "@{short}".',
                        sub.name,
                        coordinate,
                    )
            required = REQUIRED_ARGS.get(short) if short != d.name else None
            if required is not None and required[0] not in d.args:
                ok = False
                sink.error(
                    "INVALID_GRAPHQL",
                    f'[{sub.name}] Directive "@{short}" argument "{required[0]}" of type "{required[1]}" is required, but it was not provided.',
                    sub.name,
                    coordinate,
                )
            if (
                d.name in FIELD_SET_DIRECTIVES
                and "fields" in d.args
                and not isinstance(d.args["fields"], StringValueNode)
            ):
                ok = False
                sink.error(
                    f"{FIELD_SET_DIRECTIVES[d.name]}_INVALID_FIELDS_TYPE",
                    f'[{sub.name}] On {"type" if d.name == KEY else "field"} "{coordinate}", for @{short}(fields: {print_ast(d.args["fields"])}): Invalid value for argument "fields": must be a string.',
                    sub.name,
                    coordinate,
                )
            declared_def = sub.directive_defs.get(d.name)
            if declared_def is not None:
                for param in declared_def.args.values():
                    if (
                        isinstance(param.type, NonNullTypeNode)
                        and param.default is None
                        and param.name not in d.args
                    ):
                        ok = False
                        sink.error(
                            "INVALID_GRAPHQL",
                            f'[{sub.name}] Directive "@{d.name}" argument "{param.name}" of type "{print_ast(param.type)}" is required, but it was not provided.',
                            sub.name,
                            coordinate,
                        )
    return ok


def check_directive_arguments(ctx: CompositionContext) -> None:
    for i, sub, _ in ctx.checked():
        if not _check_directive_arguments(sub, ctx.sink):
            ctx.unchecked.add(i)
