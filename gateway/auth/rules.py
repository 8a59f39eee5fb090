"""The access-control directives of a supergraph, read once per schema.

Semantics follow Apollo Router:
- `@authenticated`: the request must carry a verified token.
- `@requiresScopes(scopes: [[S]])`: the outer list is OR, each inner list AND: `[["a"], ["b", "c"]]`
  holds for a token with scope `a`, or with both `b` and `c`.
- `@policy(policies: [[P]])`: the same OR-of-AND over policy names; a policy holds when the token
  satisfies its configured claims (see `AuthConfig.policies`).
- On a field they guard that field; on a type (object, interface, scalar, enum) they guard every
  field returning that type. Several directives on one field (its own, its type's, and the
  interface field it implements) must all hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
)
from graphql.language import ConstDirectiveNode

from gateway.supergraph.links import Links

Alternatives = tuple[frozenset[str], ...]  # OR of AND-sets


@dataclass(frozen=True)
class AccessKey:
    """What a request may see, reduced to what the schema asks about: the plan cache key part."""

    authenticated: bool
    scopes: frozenset[str]
    policies: frozenset[str]


_ANONYMOUS = AccessKey(False, frozenset(), frozenset())


@dataclass(frozen=True)
class Requirement:
    authenticated: bool = False
    scopes: tuple[Alternatives, ...] = ()  # every entry must hold
    policies: tuple[Alternatives, ...] = ()

    def __bool__(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)

    def __and__(self, other: Requirement) -> Requirement:
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    def allows(self, key: AccessKey) -> bool:
        if self.authenticated and not key.authenticated:
            return False
        for alternatives in self.scopes:
            if not any(need <= key.scopes for need in alternatives):
                return False
        return all(any(need <= key.policies for need in alternatives) for alternatives in self.policies)


def _alternatives(d: ConstDirectiveNode, arg: str) -> Alternatives:
    for a in d.arguments or ():
        if a.name.value == arg and isinstance(a.value, ListValueNode):
            out = []
            for inner in a.value.values:
                values = inner.values if isinstance(inner, ListValueNode) else (inner,)
                out.append(frozenset(v.value for v in values if isinstance(v, StringValueNode)))
            return tuple(out)
    return ()


def _named(node: object) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type  # type: ignore[attr-defined]  # a list or non-null type node: both wrap `.type`
    return node.name.value


@dataclass
class AccessRules:
    fields: dict[tuple[str, str], Requirement] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()  # every scope the schema names
    policies: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def anonymous(self) -> AccessKey:
        return _ANONYMOUS

    def key(self, authenticated: bool, scopes: frozenset[str], policies: frozenset[str]) -> AccessKey:
        return AccessKey(authenticated, scopes & self.scopes, policies & self.policies)

    @classmethod
    def read(cls, document: DocumentNode, links: Links) -> AccessRules:
        names = {
            "authenticated": links.directive("authenticated"),
            "requiresScopes": links.directive("requiresScopes"),
            "policy": links.directive("policy"),
        }
        local = {v: k for k, v in names.items() if v is not None}
        if not local:
            return cls()
        mentioned: dict[str, set[str]] = {"scopes": set(), "policies": set()}

        def requirement(directives: Iterable[ConstDirectiveNode] | None) -> Requirement:
            req = Requirement()
            for d in directives or ():
                kind = local.get(d.name.value)
                if kind == "authenticated":
                    req &= Requirement(authenticated=True)
                elif kind == "requiresScopes":
                    alts = _alternatives(d, "scopes")
                    mentioned["scopes"].update(*alts)
                    req &= Requirement(scopes=(alts,))
                elif kind == "policy":
                    alts = _alternatives(d, "policies")
                    mentioned["policies"].update(*alts)
                    req &= Requirement(policies=(alts,))
            return req

        types: dict[str, Requirement] = {}
        field_own: dict[tuple[str, str], tuple[Requirement, str]] = {}
        implements: dict[str, set[str]] = {}
        for d in document.definitions:
            if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
                continue
            name = d.name.value
            own = requirement(d.directives)
            if own:
                types[name] = types.get(name, Requirement()) & own
            if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
                implements.setdefault(name, set()).update(i.name.value for i in d.interfaces or ())
            for f in getattr(d, "fields", None) or ():
                if isinstance(f, FieldDefinitionNode):
                    field_own[(name, f.name.value)] = (requirement(f.directives), _named(f.type))
        rules = cls(scopes=frozenset(mentioned["scopes"]), policies=frozenset(mentioned["policies"]))
        for (type_name, field_name), (own, returns) in field_own.items():
            req = own & types.get(returns, Requirement())
            for iface in implements.get(type_name, ()):
                inherited = field_own.get((iface, field_name))
                if inherited is not None:
                    req &= inherited[0]
            if req:
                rules.fields[(type_name, field_name)] = req
        return rules
