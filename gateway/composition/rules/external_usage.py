"""@external only where it means something: never on interface fields (EXTERNAL_ON_INTERFACE), and
only on fields some @key, @requires, @provides or interface uses (EXTERNAL_UNUSED)."""

from __future__ import annotations

from ..context import CompositionContext
from ..model import EXTERNAL, PROVIDES


def check_external_usage(ctx: CompositionContext) -> None:
    for _, sub, meta in ctx.checked():
        if sub.is_fed1:
            continue  # Federation 1 had neither rule
        for t in sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for f in t.fields.values():
                if t.kind == "interface" and f.has(EXTERNAL):
                    ctx.sink.error(
                        "EXTERNAL_ON_INTERFACE",
                        f'[{sub.name}] Interface type field "{f.coordinate}" is marked @external but @external is not allowed on interface fields (it is nonsensical).',
                        sub.name,
                        f.coordinate,
                    )
                if meta.is_external(f) and not meta.is_used(f) and not f.has(PROVIDES):
                    ctx.sink.error(
                        "EXTERNAL_UNUSED",
                        f'[{sub.name}] Field "{f.coordinate}" is marked @external but is not used in any federation directive (@key, @provides, @requires) or to satisfy an interface; the field declaration has no use and should be removed (or the field should not be @external).',
                        sub.name,
                        f.coordinate,
                    )
