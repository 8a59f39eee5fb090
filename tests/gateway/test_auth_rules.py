"""Reading access-control directives from a supergraph: field, type and interface requirements."""

from __future__ import annotations

from graphql import parse

from gateway.auth.rules import AccessKey, AccessRules
from gateway.supergraph.links import read_links

SDL = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY) { query: Query }

type Query { secret: Secret  open: String  node: Node  admin: String @requiresScopes(scopes: [["a"], ["b", "c"]]) }
type Secret @authenticated { id: ID }
interface Node { id: ID  owner: String @policy(policies: [["owners"]]) }
type Thing implements Node { id: ID  owner: String }
"""


def _key(auth: bool = False, scopes: set[str] | None = None, policies: set[str] | None = None) -> AccessKey:
    return AccessKey(auth, frozenset(scopes or ()), frozenset(policies or ()))


def test_requirements() -> None:
    doc = parse(SDL)
    rules = AccessRules.read(doc, read_links(doc))
    assert rules.scopes == {"a", "b", "c"} and rules.policies == {"owners"}
    assert ("Query", "open") not in rules.fields
    # a type's directive guards the fields returning it
    secret = rules.fields[("Query", "secret")]
    assert not secret.allows(_key()) and secret.allows(_key(True))
    admin = rules.fields[("Query", "admin")]
    assert admin.allows(_key(True, {"a"}))
    assert admin.allows(_key(True, {"b", "c"}))
    assert not admin.allows(_key(True, {"b"}))
    # an implementation inherits its interface field's requirement
    owner = rules.fields[("Thing", "owner")]
    assert not owner.allows(_key(True)) and owner.allows(_key(True, policies={"owners"}))
    # only the scopes the schema names matter to the plan key
    assert rules.key(True, frozenset({"a", "zzz"}), frozenset()) == _key(True, {"a"})


def test_schema_without_directives_has_no_rules() -> None:
    doc = parse('schema @link(url: "https://specs.apollo.dev/join/v0.3") { query: Query } type Query { a: String }')
    assert not AccessRules.read(doc, read_links(doc))
