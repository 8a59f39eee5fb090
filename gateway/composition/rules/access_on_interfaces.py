"""AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE: access control belongs on object types and their fields,
not on interfaces, their fields or @interfaceObjects."""

from __future__ import annotations

from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import FED, INTERFACE_OBJECT, Subgraph, TypeDef


def _check_no_access_control(sub: Subgraph, t: TypeDef, sink: ErrorSink) -> None:
    """Access control belongs on object types and their fields; the interface inherits it."""
    elements = [(f'type "{t.name}"', t.name, t.directives)]
    if t.kind == "interface":  # an @interfaceObject's own fields may carry it
        elements += [
            (f'field "{f.coordinate}"', f.coordinate, f.directives) for f in t.fields.values()
        ]
    for shown, coordinate, directives in elements:
        for d in directives:
            short = d.name.removeprefix(FED)
            if short in ("authenticated", "requiresScopes", "policy") and short != d.name:
                sink.error(
                    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                    f"[{sub.name}] Invalid use of @{short} on {shown}: @{short} cannot be applied on interfaces, interface fields and interface objects",
                    sub.name,
                    coordinate,
                )


def check_access_on_interfaces(ctx: CompositionContext) -> None:
    for _, sub, _ in ctx.checked():
        for t in sub.types.values():
            if t.kind == "interface" or (t.kind == "object" and t.has(INTERFACE_OBJECT)):
                _check_no_access_control(sub, t, ctx.sink)
