"""The specs a supergraph links: which version Apollo picks for a federation version, and the
definitions each one adds (printed exactly as `@apollo/composition` prints them)."""

from __future__ import annotations

from dataclasses import dataclass

LINK_URL = "https://specs.apollo.dev/link/v1.0"


def join_version(fed: tuple[int, int]) -> str:
    """join v0.3 for Federation 2.0-2.6, v0.4 from 2.7 (progressive @override), v0.5 from 2.8."""
    if fed >= (2, 8):
        return "v0.5"
    if fed >= (2, 7):
        return "v0.4"
    return "v0.3"


LINK_DEFINITIONS = '''directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''


def join_definitions(version: str) -> str:
    v4 = version in ("v0.4", "v0.5")
    v5 = version == "v0.5"
    field_args = "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean"
    if v4:
        field_args += ", overrideLabel: String"
    if v5:
        field_args += ", contextArguments: [join__ContextArgument!]"
    parts = []
    if v4:
        parts.append(
            "directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
        )
    parts += [
        "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
        f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE",
        "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
        "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
    ]
    if v5:
        parts.append(
            "input join__ContextArgument {\n  name: String!\n  type: String!\n  context: String!\n  selection: join__FieldValue!\n}"
        )
    if v4:
        parts.append("scalar join__DirectiveArguments")
    parts.append("scalar join__FieldSet")
    if v5:
        parts.append("scalar join__FieldValue")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Feature:
    """A composed spec: its URL, purpose and, per directive it defines, the definition template
    (`{name}` is the directive's name in the supergraph, `{prefix}` the spec's type prefix)."""

    name: str
    url: str
    purpose: str | None
    directives: dict[str, str]
    types: tuple[str, ...] = ()


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            "tag",
            "https://specs.apollo.dev/tag/v0.3",
            None,
            {
                "tag": "directive @{name}(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA"
            },
        ),
        Feature(
            "inaccessible",
            "https://specs.apollo.dev/inaccessible/v0.2",
            "SECURITY",
            {
                "inaccessible": "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
            },
        ),
        Feature(
            "authenticated",
            "https://specs.apollo.dev/authenticated/v0.1",
            "SECURITY",
            {
                "authenticated": "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
            },
        ),
        Feature(
            "requiresScopes",
            "https://specs.apollo.dev/requiresScopes/v0.1",
            "SECURITY",
            {
                "requiresScopes": "directive @{name}(scopes: [[{prefix}__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
            },
            ("scalar {prefix}__Scope",),
        ),
        Feature(
            "policy",
            "https://specs.apollo.dev/policy/v0.1",
            "SECURITY",
            {
                "policy": "directive @{name}(policies: [[{prefix}__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
            },
            ("scalar {prefix}__Policy",),
        ),
        Feature(
            "cost",
            "https://specs.apollo.dev/cost/v0.1",
            None,
            {
                "cost": "directive @{name}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
                "listSize": "directive @{name}(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
            },
        ),
    )
}
# Which feature each composed federation directive belongs to.
FEATURE_OF = {d: f.name for f in FEATURES.values() for d in f.directives}
