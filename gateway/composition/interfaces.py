"""Fields an @interfaceObject adds to an interface, added to every implementation in the supergraph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import INTERFACE_OBJECT, Applied, Field

if TYPE_CHECKING:
    from .context import CompositionContext


def add_interface_object_fields(ctx: CompositionContext) -> None:
    """Fields an @interfaceObject adds to an interface reach every implementation."""
    for t in ctx.out.types.values():
        if t.kind != "object":
            continue
        for itf_name in t.interfaces:
            itf = ctx.out.types.get(itf_name)
            if itf is None:
                continue
            for fname, itf_field in itf.fields.items():
                if fname in t.fields:
                    continue
                provided = any(
                    (st := s.types.get(itf_name)) is not None
                    and st.kind == "object"
                    and st.has(INTERFACE_OBJECT)
                    and fname in st.fields
                    and not ctx.metas[i].is_external(st.fields[fname])
                    for i, s in enumerate(ctx.subs)
                )
                if provided:
                    f = Field(
                        fname, itf_field.type, t.name, dict(itf_field.args), itf_field.description
                    )
                    f.directives = [
                        d for d in itf_field.directives if not d.name.startswith("join__")
                    ]
                    f.directives.append(Applied("join__field", {}))
                    t.fields[fname] = f
