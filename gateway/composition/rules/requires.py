"""@requires field sets: a valid selection on the parent type whose leaves are @external
(REQUIRES_INVALID_FIELDS, REQUIRES_FIELDS_MISSING_EXTERNAL)."""

from __future__ import annotations

from ..context import CompositionContext
from ..model import REQUIRES
from ..selection_checks import check_selection


def check_requires(ctx: CompositionContext) -> None:
    for _, sub, meta in ctx.checked():
        for t in sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for f in t.fields.values():
                for r in f.applied(REQUIRES):
                    check_selection(sub, meta, t.name, f.coordinate, r, "REQUIRES", ctx.sink)
