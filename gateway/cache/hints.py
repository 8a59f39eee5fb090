"""`@cacheControl(maxAge:, scope:)` hints and auth-scoped fields, read once from the supergraph.

Subgraphs declare the hints in their SDL (Apollo Server's directive, linked as a feature and kept
in the supergraph with `@composeDirective`); the gateway reads the applications on types and
fields. Apollo Router reads `Cache-Control` response headers from subgraphs instead; reading the
schema lets the gateway know a fetch's TTL before it runs and precompute it per plan.
Fields or types carrying @authenticated / @requiresScopes / @policy are *scoped*: their cached
answers are keyed by the caller's credentials and never shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import value_from_ast_untyped
from graphql.language import ConstDirectiveNode

from gateway.supergraph.join import Supergraph

DIRECTIVE = "cacheControl"


@dataclass(frozen=True)
class Hint:
    max_age: int | None
    private: bool = False


def _hint(directives: tuple[ConstDirectiveNode, ...] | list[ConstDirectiveNode], name: str) -> Hint | None:
    found: Hint | None = None
    for d in directives:
        if d.name.value != name:
            continue
        args = {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()}
        age = args.get("maxAge")
        hint = Hint(int(age) if isinstance(age, int) else None, args.get("scope") == "PRIVATE")
        # Several applications (one per subgraph that composes it): the strictest wins.
        if found is None:
            found = hint
        else:
            ages = [a for a in (found.max_age, hint.max_age) if a is not None]
            found = Hint(min(ages) if ages else None, found.private or hint.private)
    return found


class CacheHints:
    def __init__(self, supergraph: Supergraph, ttl: dict[str, int] | None = None, default_ttl: int = 0) -> None:
        links = supergraph.links
        name = links.imports.get("@" + DIRECTIVE, "@" + DIRECTIVE).lstrip("@")
        scoped_names = {
            n for n in (
                links.directive("authenticated"), links.directive("requiresScopes"), links.directive("policy")
            ) if n
        }
        self.types: dict[str, Hint] = {}
        self.fields: dict[tuple[str, str], Hint] = {}
        self.scoped_types: set[str] = set()
        self.scoped_fields: set[tuple[str, str]] = set()
        for definition in supergraph.document.definitions:
            tname = getattr(getattr(definition, "name", None), "value", None)
            if tname is None or not hasattr(definition, "directives"):
                continue
            directives = definition.directives or ()
            h = _hint(directives, name)
            if h is not None:
                self.types[tname] = h
            if any(d.name.value in scoped_names for d in directives):
                self.scoped_types.add(tname)
            for fdef in getattr(definition, "fields", None) or ():
                fd = fdef.directives or ()
                fh = _hint(fd, name)
                if fh is not None:
                    self.fields[(tname, fdef.name.value)] = fh
                if any(d.name.value in scoped_names for d in fd):
                    self.scoped_fields.add((tname, fdef.name.value))
        self.overrides = dict(ttl or {})
        self.default_ttl = default_ttl

    def type_max_age(self, type_name: str) -> int | None:
        """The TTL of a type's entities: config, else the type's hint, else the default (None: not cached)."""
        if type_name in self.overrides:
            return self.overrides[type_name] or None
        h = self.types.get(type_name)
        if h is not None and h.max_age is not None:
            return h.max_age or None
        return self.default_ttl or None

    def type_private(self, type_name: str) -> bool:
        h = self.types.get(type_name)
        return h is not None and h.private

    def field(self, type_name: str, field_name: str) -> Hint | None:
        return self.fields.get((type_name, field_name))

    def scoped(self, type_name: str, field_name: str | None = None) -> bool:
        if type_name in self.scoped_types:
            return True
        return field_name is not None and (type_name, field_name) in self.scoped_fields
