"""@provides: only on a non-@external field of composite type, with a valid selection of @external
fields (EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE, PROVIDES_ON_NON_OBJECT_FIELD,
PROVIDES_INVALID_FIELDS, PROVIDES_FIELDS_MISSING_EXTERNAL)."""

from __future__ import annotations

from graphql.language import print_ast

from ..context import CompositionContext
from ..model import PROVIDES, named_type
from ..selection_checks import check_selection


def check_provides(ctx: CompositionContext) -> None:
    for _, sub, meta in ctx.checked():
        for t in sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for f in t.fields.values():
                for p in f.applied(PROVIDES):
                    if meta.is_external(f):
                        ctx.sink.error(
                            "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                            f'[{sub.name}] Cannot have both @provides and @external on field "{f.coordinate}"',
                            sub.name,
                            f.coordinate,
                        )
                        continue
                    target = sub.types.get(named_type(f.type))
                    if target is None or target.kind not in ("object", "interface", "union"):
                        ctx.sink.error(
                            "PROVIDES_ON_NON_OBJECT_FIELD",
                            f'[{sub.name}] Invalid @provides directive on field "{f.coordinate}": field has type "{print_ast(f.type)}" which is not a Composite Type',
                            sub.name,
                            f.coordinate,
                        )
                        continue
                    check_selection(sub, meta, target.name, f.coordinate, p, "PROVIDES", ctx.sink)
