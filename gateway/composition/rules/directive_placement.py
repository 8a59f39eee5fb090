"""Each directive only where its definition allows it, and only as often (INVALID_GRAPHQL and
federation-specific codes), on the subgraph as written."""

from __future__ import annotations

from ..applications import all_applied
from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import FED, Applied, Subgraph

_ALL_NAMED = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
)


_ACCESS = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")


# Where each federation directive may appear, and whether it may repeat there.
FEDERATION_LOCATIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "key": (("OBJECT", "INTERFACE"), True), "requires": (("FIELD_DEFINITION",), False),
    "provides": (("FIELD_DEFINITION",), False), "external": (("OBJECT", "FIELD_DEFINITION"), False),
    "extends": (("OBJECT", "INTERFACE"), False), "shareable": (("OBJECT", "FIELD_DEFINITION"), True),
    "inaccessible": (_ALL_NAMED, False), "tag": ((*_ALL_NAMED, "SCHEMA"), True),
    "override": (("FIELD_DEFINITION",), False), "composeDirective": (("SCHEMA",), True),
    "interfaceObject": (("OBJECT",), False), "authenticated": (_ACCESS, False),
    "requiresScopes": (_ACCESS, False), "policy": (_ACCESS, False),
    "cost": (("ARGUMENT_DEFINITION", "ENUM", "FIELD_DEFINITION", "INPUT_FIELD_DEFINITION", "OBJECT", "SCALAR"), False),
    "listSize": (("FIELD_DEFINITION",), False), "context": (("INTERFACE", "OBJECT", "UNION"), True),
    "fromContext": (("ARGUMENT_DEFINITION",), False),
}  # fmt: skip


_BUILTIN_LOCATIONS = {
    "deprecated": (
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INPUT_FIELD_DEFINITION",
        "ENUM_VALUE",
    ),
    "specifiedBy": ("SCALAR",),
}


def _check_placement(
    sub: Subgraph, coordinate: str, location: str, ds: list[Applied], sink: ErrorSink
) -> bool:
    """Each directive is allowed where it sits, and non-repeatable ones appear once."""
    ok = True
    seen: dict[str, int] = {}
    for d in ds:
        short = d.name.removeprefix(FED)
        declared = sub.federation_defs.get(d.name)
        if declared is not None:  # a Federation 1 subgraph's own definition rules
            locations, repeatable = tuple(declared.locations), declared.repeatable
        elif short != d.name and short in FEDERATION_LOCATIONS:
            locations, repeatable = FEDERATION_LOCATIONS[short]
            if short == "shareable" and (sub.fed_version or (2, 0)) < (2, 2):
                repeatable = False  # @shareable became repeatable in Federation 2.2
            if short == "shareable" and location == "FIELD_DEFINITION":
                parent = sub.types.get(coordinate.split(".")[0])
                if parent is not None and parent.kind == "interface":
                    ok = False
                    sink.error(
                        "INVALID_SHAREABLE_USAGE",
                        f'[{sub.name}] Invalid use of @shareable on field "{coordinate}": only object type fields can be marked with @shareable',
                        sub.name,
                        coordinate,
                    )
                    continue
        elif d.name in sub.directive_defs:
            locations, repeatable = (
                tuple(sub.directive_defs[d.name].locations),
                sub.directive_defs[d.name].repeatable,
            )
        elif d.name in _BUILTIN_LOCATIONS:
            locations, repeatable = _BUILTIN_LOCATIONS[d.name], False
        else:
            continue
        if location not in locations:
            ok = False
            sink.error(
                "INVALID_GRAPHQL",
                f'[{sub.name}] Directive "@{short}" may not be used on {location}.',
                sub.name,
                coordinate,
            )
        per_declaration = short == "shareable" and repeatable and declared is None
        key = f"{d.name}/{d.in_extension}" if per_declaration else d.name
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2 and per_declaration:
            ok = False
            where = (
                f'field "{coordinate}"'
                if location == "FIELD_DEFINITION"
                else f'the same type declaration of "{coordinate}"'
            )
            sink.error(
                "INVALID_SHAREABLE_USAGE",
                f"[{sub.name}] Invalid duplicate application of @shareable on {where}: @shareable is only repeatable on types so it can be used simultaneously on a type definition and its extensions, but it should not be duplicated on the same definition/extension declaration",
                sub.name,
                coordinate,
            )
        elif seen[key] == 2 and not repeatable:
            ok = False
            sink.error(
                "INVALID_GRAPHQL",
                f'[{sub.name}] The directive "@{short}" can only be used once at this location.',
                sub.name,
                coordinate,
            )
    return ok


def check_directive_placement(ctx: CompositionContext) -> None:
    for sub in ctx.subs:
        for coordinate, location, ds in all_applied(sub):
            _check_placement(sub, coordinate, location, ds, ctx.sink)
