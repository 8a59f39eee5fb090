"""A mutable selection set under construction for one subgraph operation, and its printing.

The planner adds fields and inline fragments to these as it walks the client's operation; adding
the same field twice merges the two (so key and required fields never repeat).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SelectionConflict(Exception):
    """Two different fields want the same response key in one subgraph selection."""


@dataclass(eq=False)
class SelField:
    key: str
    name: str
    args: str  # printed "(a: 1)" or ""
    sub: SelectionSet | None = None

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

    def add_field(self, key: str, name: str, args: str, composite: bool) -> SelField:
        existing = self.items.get(key)
        if existing is not None:
            if isinstance(existing, SelField) and existing.name == name and existing.args == args:
                if composite and existing.sub is None:
                    existing.sub = SelectionSet()
                return existing
            raise SelectionConflict(f'response key "{key}" is used by two different fields')
        f = SelField(key, name, args, SelectionSet() if composite else None)
        self.items[key] = f
        return f

    def add_typename(self, key: str = "__typename") -> None:
        self.add_field(key, "__typename", "", False)

    def add_fragment(self, type_condition: str) -> SelectionSet:
        k = "... on " + type_condition
        existing = self.items.get(k)
        if isinstance(existing, SelFragment):
            return existing.sub
        frag = SelFragment(type_condition, SelectionSet())
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
