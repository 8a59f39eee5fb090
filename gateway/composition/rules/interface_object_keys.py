"""INTERFACE_OBJECT_USAGE_ERROR: an @interfaceObject must be an entity (have a @key) in its subgraph."""

from __future__ import annotations

from ..context import CompositionContext
from ..model import INTERFACE_OBJECT, KEY


def check_interface_object_keys(ctx: CompositionContext) -> None:
    for _, sub, _ in ctx.checked():
        for t in sub.types.values():
            if t.kind == "object" and t.has(INTERFACE_OBJECT) and not t.applied(KEY):
                ctx.sink.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'The @interfaceObject directive can only be applied to entity types but type "{t.name}" has no @key in this subgraph.',
                    sub.name,
                    t.name,
                )
