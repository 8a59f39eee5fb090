"""Federation 1 subgraphs, normalised the way Apollo upgrades them before merging: `extend type`
becomes a plain definition, key fields lose @external, unused externals go, and fields or value types
that other subgraphs also define become implicitly @shareable."""

from __future__ import annotations

from graphql.language import FieldNode, print_ast

from .errors import ErrorSink
from .fieldset import FieldSetError, parse_field_set, target_fields, walk
from .metadata import Metadata
from .model import (
    EXTENDS,
    EXTERNAL,
    KEY,
    PROVIDES,
    REQUIRES,
    SHAREABLE,
    Applied,
    Subgraph,
    TypeDef,
    named_type,
)
from .values import string


def _is_type_extension(t: TypeDef) -> bool:
    return (
        (t.has_extension or t.has(EXTENDS))
        and t.kind in ("object", "interface")
        and (t.has(EXTENDS) or not t.has_definition)
    )


def _drop_external(t: TypeDef, field_names: set[str]) -> None:
    for name in field_names:
        f = t.fields.get(name)
        if f is not None:
            f.directives = [d for d in f.directives if d.name != EXTERNAL]


def _active_selection(sub: Subgraph, meta: Metadata, parent: str, text: str | None) -> str | None:
    """The field set without its top-level fields that are not external ("" when nothing is
    left); None to keep it as written (it does not parse, or nothing needs removing)."""
    try:
        selection = parse_field_set(text or "")
        selected = list(walk(sub, parent, selection))
    except FieldSetError:
        return None  # left for the subgraph rules to report
    top = {id(s.node): s for s in selected}
    kept, dropped = [], False
    for node in selection.selections:
        s = top.get(id(node))
        if (
            isinstance(node, FieldNode)
            and s is not None
            and node.selection_set is None
            and not meta.is_external(s.field)
        ):
            dropped = True
            continue
        kept.append(node)
    if not any(meta.is_external(s.field) for s in selected):
        return ""
    if not dropped:
        return None
    return " ".join(print_ast(n) for n in kept)


def upgrade_fed1(sub: Subgraph, all_subs: list[Subgraph], sink: ErrorSink) -> None:
    """Mutates `sub` (a Federation 1 subgraph) in place; `all_subs` are every subgraph, unupgraded."""
    original = {s.name: Metadata(s) for s in all_subs}
    roots = set(sub.roots.values())
    for t in sub.types.values():
        if t.kind == "interface":
            for f in t.fields.values():
                f.directives = [
                    d for d in f.directives if d.name not in (EXTERNAL, PROVIDES, REQUIRES)
                ]
            t.directives = [d for d in t.directives if d.name != KEY]
        elif t.kind == "object":
            t.directives = [d for d in t.directives if d.name != EXTERNAL]
        if t.kind in ("object", "interface") and (
            _is_type_extension(t) or (t.name in roots and t.has_extension and not t.has_definition)
        ):
            keys = t.applied(KEY)
            if keys:
                for key in keys:
                    _drop_external(
                        t,
                        {
                            s.field.name
                            for s in target_fields(sub, t.name, key.arg_str("fields"))
                            if s.parent == t.name
                        },
                    )
            else:
                for other in all_subs:
                    ot = other.types.get(t.name)
                    if other.name == sub.name or ot is None or not ot.applied(KEY):
                        continue
                    selected = target_fields(other, t.name, ot.applied(KEY)[0].arg_str("fields"))
                    _drop_external(t, {s.field.name for s in selected if s.parent == t.name})
    meta = Metadata(sub)
    # @requires/@provides that select no external field do nothing in Federation 1: drop them.
    for t in sub.types.values():
        for f in t.fields.values():
            kept = []
            for d in f.directives:
                if d.name in (REQUIRES, PROVIDES):
                    parent = t.name if d.name == REQUIRES else named_type(f.type)
                    target = sub.types.get(parent)
                    if d.name == PROVIDES and (
                        target is None or target.kind not in ("object", "interface", "union")
                    ):
                        continue
                    active = _active_selection(sub, meta, parent, d.arg_str("fields"))
                    if active == "":
                        continue
                    if active is not None:
                        d = Applied(d.name, {**d.args, "fields": string(active)}, d.in_extension)
                kept.append(d)
            f.directives = kept
    # Extensions become definitions (an explicit @extends stays, as Apollo keeps it).
    for t in sub.types.values():
        if _is_type_extension(t) or (t.name in roots and t.has_extension):
            t.has_extension = False
            t.has_definition = True
            for f in t.fields.values():
                f.in_extension = False
            for d in t.directives:
                d.in_extension = False
    meta = Metadata(sub)
    # Apollo keeps what was "provided" before this clean-up, even through a removed field's
    # @provides; sharing rules downstream see the same.
    sub.provided_before_upgrade = set(meta.provided)
    for t in list(sub.types.values()):
        if t.kind not in ("object", "interface"):
            continue
        for f in list(t.fields.values()):
            if meta.is_external(f) and not meta.is_used(f):
                del t.fields[f.name]
        if not t.fields and t.name != "Query":
            referenced = any(
                named_type(f.type) == t.name for o in sub.types.values() for f in o.fields.values()
            ) or any(t.name in o.members or t.name in o.interfaces for o in sub.types.values())
            if referenced:
                sink.error(
                    "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                    f"Type {t.name} contains only external fields and all those fields are all unused (they do not appear in any @key, @provides or @requires).",
                    sub.name,
                    t.name,
                )
            else:
                del sub.types[t.name]
    # Implicit sharing: Federation 1 let any subgraph resolve the same field.
    orig = original[sub.name]
    for t in sub.types.values():
        if t.kind != "object" or t.name == sub.roots.get("subscription"):
            continue
        others = [s for s in all_subs if s.name != sub.name and s.types.get(t.name) is not None]
        if t.applied(KEY) or t.name in roots:
            for f in t.fields.values():
                if orig.is_shareable(f) or f.has(SHAREABLE):
                    continue
                for other in others:
                    of = other.types[t.name].fields.get(f.name)
                    om = original[other.name]
                    if of is not None and (not om.is_external(of) or om.is_partially_external(of)):
                        f.directives.append(Applied(SHAREABLE))
                        break
        elif others and not t.has(SHAREABLE):
            t.directives.append(Applied(SHAREABLE))
