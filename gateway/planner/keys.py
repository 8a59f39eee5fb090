"""Key and `@requires` fields in subgraph selections and representations: their response keys
(never one the client uses for something else) and their copy into a representation."""

from __future__ import annotations

import hashlib

from gateway.plan.fields import NField
from gateway.planner.selection import SelectionSet, SelField


def internal_key(nf: NField) -> str:
    """The response key of a field the gateway fetches for itself (key or @requires field).

    A required field with arguments gets its own alias, so it can never collide with the client
    selecting the same field with other arguments (or none) under the plain name.
    """
    if not nf.args:
        return nf.key
    digest = hashlib.sha1(nf.args.encode()).hexdigest()[:8]
    return f"__req_{nf.name}_{digest}"


def inherit_reserved(target: SelectionSet, source: SelectionSet) -> None:
    for key, owner in source.reserved.items():
        target.reserved.setdefault(key, owner)


def key_at(out: SelectionSet, nf: NField) -> str:
    """The response key of a key/required field in the selection `out`: its internal key, unless
    the client uses that key for another field there (`{ id: name }`), then a gateway alias."""
    base = internal_key(nf)
    mine = (nf.name, nf.args)
    reserved = out.reserved.get(base)
    existing = out.items.get(base)
    if (reserved is not None and reserved != mine) or (
        isinstance(existing, SelField) and (existing.name, existing.args) != mine
    ):
        return f"__key_{base}"
    return base


def copy_rep(out: SelectionSet, nf: NField, source_key: str | None = None) -> None:
    """Add a key/required field to a representation selection: read at its response key in the
    merged data, sent under its field name."""
    sel = out.add_field(source_key or internal_key(nf), nf.name, "", bool(nf.children))
    if nf.children and sel.sub is not None:
        if nf.abstract:
            sel.sub.add_typename()
            for rt, kids in nf.children.items():
                if kids:
                    frag = sel.sub.add_fragment(rt)
                    for k in kids:
                        copy_rep(frag, k)
        else:
            for kids in nf.children.values():
                for k in kids:
                    copy_rep(sel.sub, k)
