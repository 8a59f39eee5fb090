"""A mutable selection set under construction for one subgraph operation, and its printing.

The planner adds fields and inline fragments to these as it walks the client's operation; adding
the same field twice merges the two (so key and required fields never repeat).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SelectionConflict(Exception):
    """Two different fields want the same response key in one subgraph selection."""


@dataclass(eq=False)
class Scope:
    """The response keys of one response object: shared by a selection set and its inline
    fragments, since all their fields land in the same object. GraphQL requires fields that share
    a key there to have the same shape, also across fragments on different types."""

    shapes: dict[str, str] = field(default_factory=dict)  # key -> shape of the field using it
    children: dict[str, Scope] = field(default_factory=dict)  # key -> scope of its sub-selection


@dataclass(eq=False)
class SelField:
    key: str
    name: str
    args: str  # printed "(a: 1)" or ""
    sub: SelectionSet | None = None
    restore: str | None = None  # the response key to move the value back to (see add_field)
    # Only on objects of this runtime type (an @interfaceObject's answer does not say which it is).
    restore_for: str | None = None

    def print(self) -> str:
        head = (f"{self.key}: " if self.key != self.name else "") + self.name + self.args
        if self.sub is None:
            return head
        return head + " " + self.sub.print()


@dataclass(eq=False)
class SelFragment:
    type_condition: str
    sub: SelectionSet

    def print(self) -> str:
        return f"... on {self.type_condition} " + self.sub.print()


@dataclass(eq=False)
class SelectionSet:
    items: dict[str, SelField | SelFragment] = field(default_factory=dict)
    # response key -> (field name, arguments) the client selects here (see build.key_at)
    reserved: dict[str, tuple[str, str]] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)

    def add_field(self, key: str, name: str, args: str, composite: bool, shape: str | None = None) -> SelField:
        """Add (or find) a field. `shape` is the field's type as this subgraph declares it: when a
        sibling fragment already uses the key with another shape (`String!` on one type, `String`
        on another), this one gets an alias the executor renames back after the fetch."""
        existing = self.items.get(key)
        if existing is not None:
            if isinstance(existing, SelField) and existing.name == name and existing.args == args:
                if composite and existing.sub is None:
                    existing.sub = SelectionSet(scope=self.scope.children.setdefault(key, Scope()))
                return existing
            raise SelectionConflict(f'response key "{key}" is used by two different fields')
        restore = None
        if shape is not None:
            taken = self.scope.shapes.get(key)
            if taken is not None and taken != shape:
                restore, n = key, 0
                while self.scope.shapes.get(key, shape) != shape or key in self.items:
                    n += 1
                    key = f"{restore}__alias_{n}"
                existing = self.items.get(key)
                if isinstance(existing, SelField):
                    return existing
            self.scope.shapes[key] = shape
        sub = SelectionSet(scope=self.scope.children.setdefault(key, Scope())) if composite else None
        f = SelField(key, name, args, sub, restore)
        self.items[key] = f
        return f

    def add_typename(self, key: str = "__typename") -> None:
        self.add_field(key, "__typename", "", False)

    def add_fragment(self, type_condition: str) -> SelectionSet:
        k = "... on " + type_condition
        existing = self.items.get(k)
        if isinstance(existing, SelFragment):
            return existing.sub
        frag = SelFragment(type_condition, SelectionSet(scope=self.scope))
        self.items[k] = frag
        return frag.sub

    def has(self, key: str) -> bool:
        return key in self.items

    def is_empty(self) -> bool:
        return not self.items

    def print(self) -> str:
        # Composite fields with nothing selected below them (every child was planned elsewhere)
        # still need a selection: __typename is always valid.
        parts = []
        for item in self.items.values():
            if isinstance(item, SelField) and item.sub is not None and item.sub.is_empty():
                item.sub.add_typename()
            if isinstance(item, SelFragment) and item.sub.is_empty():
                continue
            parts.append(item.print())
        return "{" + " ".join(parts) + "}"


def runtime_marker(type_name: str) -> str:
    """A rename path's first step meaning "only entities whose runtime type is `type_name`"."""
    return f"<{type_name}>"


def renames(sel: SelectionSet, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, str]]:
    """(path of response keys, alias, key) for every field `add_field` aliased, at any depth.
    Fragments do not appear in paths: an alias exists only on objects of its fragment's type."""
    out: list[tuple[tuple[str, ...], str, str]] = []
    for item in sel.items.values():
        if isinstance(item, SelFragment):
            out.extend(renames(item.sub, path))
            continue
        if item.restore is not None:
            typed = (runtime_marker(item.restore_for),) if item.restore_for is not None else ()
            out.append((typed + path, item.key, item.restore))
        if item.sub is not None:
            out.extend(renames(item.sub, (*path, item.key)))
    return out
