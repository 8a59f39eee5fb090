"""Access control (@authenticated, @requiresScopes, @policy) on implementations also guards the
interfaces they implement, and @interfaceObject fields guard the implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import FED, INTERFACE_OBJECT, Applied

if TYPE_CHECKING:
    from .context import CompositionContext

ACCESS_CONTROL = (FED + "authenticated", FED + "requiresScopes", FED + "policy")


def build_access_map(ctx: CompositionContext) -> None:
    """Access control on implementations also guards their interfaces (and @interfaceObject
    fields guard the implementations): element key -> extra applications to merge there."""
    ctx.access_extra = {}
    impls_of: dict[str, list[str]] = {}
    for t in ctx.out.types.values():
        if t.kind == "object":
            for itf in t.interfaces:
                impls_of.setdefault(itf, []).append(t.name)
    itfs_of = {t.name: t.interfaces for t in ctx.out.types.values() if t.kind == "object"}

    def add(key: str, d: Applied) -> None:
        ctx.access_extra.setdefault(key, []).append([d])

    for i, s in enumerate(ctx.subs):
        for t in s.types.values():
            if t.kind != "object":
                continue
            for d in t.directives:
                if d.name in ACCESS_CONTROL:
                    for itf in itfs_of.get(t.name, []):
                        add(itf, d)
            for f in t.fields.values():
                if ctx.metas[i].is_external(f):
                    continue
                for d in f.directives:
                    if d.name not in ACCESS_CONTROL:
                        continue
                    if t.has(INTERFACE_OBJECT):
                        others: set[str] = set()
                        for impl in impls_of.get(t.name, []):
                            add(f"{impl}.{f.name}", d)
                            others.update(x for x in itfs_of.get(impl, []) if x != t.name)
                        for itf in others:
                            add(f"{itf}.{f.name}", d)
                    else:
                        for itf in itfs_of.get(t.name, []):
                            add(f"{itf}.{f.name}", d)
