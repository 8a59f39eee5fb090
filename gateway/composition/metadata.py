"""Derived facts about a subgraph's fields: external, shareable, used by a field set (cached)."""

from __future__ import annotations

from functools import cached_property

from .fieldset import target_fields
from .model import (
    EXTENDS,
    EXTERNAL,
    KEY,
    PROVIDES,
    REQUIRES,
    SHAREABLE,
    Field,
    Subgraph,
    named_type,
)


class Metadata:
    def __init__(self, sub: Subgraph) -> None:
        self.sub = sub

    @cached_property
    def fake_external(self) -> set[str]:
        """Key fields of `extend type`/@extends types marked @external (Federation 1 habit)."""
        out: set[str] = set()
        for t in self.sub.types.values():
            for key in t.applied(KEY):
                if not (key.in_extension or t.has(EXTENDS)):
                    continue
                for s in target_fields(self.sub, t.name, key.arg_str("fields")):
                    if s.field.has(EXTERNAL):
                        out.add(s.field.coordinate)
        return out

    @cached_property
    def provided(self) -> set[str]:
        out: set[str] = set(self.sub.provided_before_upgrade)
        for t in self.sub.types.values():
            for f in t.fields.values():
                for p in f.applied(PROVIDES):
                    out.update(self._targets(named_type(f.type), p.arg_str("fields")))
        return out

    def _targets(self, parent: str, text: str | None) -> set[str]:
        return {f.coordinate for f in self._target_fields(parent, text)}

    def _target_fields(self, parent: str, text: str | None) -> list[Field]:
        out = []
        for s in target_fields(self.sub, parent, text):
            out.append(s.field)
            # A field selected on an interface also covers its implementations.
            if self.sub.types[s.parent].kind == "interface":
                for impl in self.sub.implementations(s.parent):
                    if s.field.name in impl.fields:
                        out.append(impl.fields[s.field.name])
        return out

    def is_external(self, f: Field) -> bool:
        parent = self.sub.types.get(f.parent)
        on_type = (
            parent is not None
            and not self.sub.is_fed1
            and parent.kind == "object"
            and parent.has(EXTERNAL)
        )
        return (f.has(EXTERNAL) or on_type) and f.coordinate not in self.fake_external

    def is_partially_external(self, f: Field) -> bool:
        return self.is_external(f) and f.coordinate in self.provided

    def is_fully_external(self, f: Field) -> bool:
        return self.is_external(f) and f.coordinate not in self.provided

    @cached_property
    def shareable(self) -> set[str]:
        out: set[str] = set()
        for t in self.sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for key in t.applied(KEY):
                out.update(self._targets(t.name, key.arg_str("fields")))
            if t.kind != "object":
                continue
            type_shareables = t.applied(SHAREABLE)
            for f in t.fields.values():
                if f.has(SHAREABLE) or any(
                    d.in_extension == f.in_extension for d in type_shareables
                ):
                    out.add(f.coordinate)
                for p in f.applied(PROVIDES):
                    # Provided through an interface field, the implementations' external
                    # fields are provided (so shareable) too.
                    for target in self._target_fields(named_type(f.type), p.arg_str("fields")):
                        if self.is_external(target):
                            out.add(target.coordinate)
        return out

    def is_shareable(self, f: Field) -> bool:
        return f.coordinate in self.shareable

    @cached_property
    def used(self) -> set[str]:
        """Fields some @key, @requires, @provides selects, or that implement an interface field."""
        out: set[str] = set()
        for t in self.sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for key in t.applied(KEY):
                out.update(self._targets(t.name, key.arg_str("fields")))
            for f in t.fields.values():
                for r in f.applied(REQUIRES):
                    out.update(self._targets(t.name, r.arg_str("fields")))
                for p in f.applied(PROVIDES):
                    out.update(self._targets(named_type(f.type), p.arg_str("fields")))
        for itf in self.sub.types.values():
            if itf.kind != "interface":
                continue
            for impl in self.sub.implementations(itf.name):
                for name in itf.fields:
                    if name in impl.fields:
                        out.add(impl.fields[name].coordinate)
        return out

    def is_used(self, f: Field) -> bool:
        return f.coordinate in self.used
