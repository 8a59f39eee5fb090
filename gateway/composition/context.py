"""The composition context: everything a stage or a rule needs to see, passed to each of them.

Stages fill it in order (parsed subgraphs, their metadata, the merged supergraph, what @override
moved); rules read it and report into its sink. No stage or rule imports another to reach state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql.language import EnumValueNode

from .applied import merge_applied
from .errors import ErrorSink
from .metadata import Metadata
from .model import INTERFACE_OBJECT, Applied, DirectiveDef, Element, Subgraph, TypeDef
from .supergraph import Supergraph, graph_enum_names
from .values import enum


@dataclass
class Override:
    """How an @override applies to one subgraph's copy of a field."""

    used: bool = False  # overridden away, but still used there by a key or @requires
    unused: bool = False  # overridden away and no longer needed there
    unknown_target: bool = False  # @override(from:) names no subgraph
    label: str | None = None  # progressive override: the label or percent(N)


@dataclass
class CompositionContext:
    subs: list[Subgraph]
    sink: ErrorSink
    metas: list[Metadata] = field(default_factory=list)
    # Subgraphs whose later per-subgraph rules are skipped (a problem that makes them meaningless).
    unchecked: set[int] = field(default_factory=set)
    # @composeDirective results: directive names kept per subgraph, and the repeatable ones.
    composed: dict[str, set[str]] = field(default_factory=dict)
    repeatable: set[str] = field(default_factory=set)
    out: Supergraph = field(default_factory=Supergraph)
    graph: dict[str, str] = field(default_factory=dict)  # subgraph name -> join__Graph value
    enum_usage: dict[str, str] = field(default_factory=dict)  # enum -> Input/Output/Both
    # element key -> extra access-control applications to merge there
    access_extra: dict[str, list[list[Applied]]] = field(default_factory=dict)
    # field coordinate -> how @override applies to it, per subgraph index
    overrides: dict[str, dict[int, Override]] = field(default_factory=dict)
    # (subgraph index, field coordinate) no longer resolved there because of an @override.
    overridden: set[tuple[int, str]] = field(default_factory=set)
    # ... of which those the subgraph does not even keep (no key or @requires uses them).
    dropped: set[tuple[int, str]] = field(default_factory=set)
    custom_defs: list[DirectiveDef] = field(default_factory=list)  # printed into the supergraph

    def __post_init__(self) -> None:
        self.graph = graph_enum_names([s.name for s in self.subs])
        for s in self.subs:
            self.out.graphs[self.graph[s.name]] = (s.name, s.url)

    def checked(self) -> list[tuple[int, Subgraph, Metadata]]:
        """Subgraphs per-subgraph rules still look at, with their metadata."""
        return [(i, s, self.metas[i]) for i, s in enumerate(self.subs) if i not in self.unchecked]

    def kind_in(self, i: int, t: TypeDef) -> str:
        return "interface" if t.kind == "object" and t.has(INTERFACE_OBJECT) else t.kind

    def g(self, i: int) -> EnumValueNode:
        """Subgraph i as a `join__Graph` value."""
        return enum(self.graph[self.subs[i].name])

    def directives(
        self,
        sources: Sequence[tuple[int, Element | None]],
        extra: list[list[Applied]] | None = None,
    ) -> list[Applied]:
        per_source = [
            (el.directives, self.composed.get(self.subs[i].name, set()))
            for i, el in sources
            if el is not None
        ]
        return merge_applied(per_source + [(ds, set()) for ds in extra or []], self.repeatable)

    def description(self, sources: Sequence[tuple[int, Element | None]]) -> str | None:
        descs = [
            el.description for _, el in sources if el is not None and el.description is not None
        ]
        if not descs:
            return None
        distinct = list(dict.fromkeys(descs))
        non_empty = [d for d in distinct if d != ""]
        if len(distinct) == 1:
            return distinct[0]
        if len(non_empty) == 1:
            return non_empty[0]
        return max(distinct, key=lambda d: (descs.count(d) if d else -1, -distinct.index(d)))

    def direct(self, sup: str, sub: str) -> bool:
        t = self.out.types.get(sup)
        s = self.out.types.get(sub)
        if t is None or s is None:
            return False
        if t.kind == "union":
            return sub in t.members
        return sup in s.interfaces

    def sources(self, name: str) -> list[tuple[int, TypeDef]]:
        kind = self.out.types[name].kind
        out = []
        for i, s in enumerate(self.subs):
            t = s.types.get(name)
            if t is not None and self.kind_in(i, t) == kind:
                out.append((i, t))
        return out
