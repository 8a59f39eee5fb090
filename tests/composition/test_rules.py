"""Each composition rule alone, through one harness: a set that breaks the rule gets its code, a
set that composes gets nothing from any rule."""

from __future__ import annotations

import pytest

from gateway.composition import SubgraphInput, rules

from .corpus import load_case
from .rule_harness import StageFailed, rule_errors, subgraphs

F2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@interfaceObject", "@inaccessible"])\n'
F25 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated"])\n'

# rule -> (subgraphs that break it, the code it reports)
BROKEN: list[tuple[rules.Rule, list[SubgraphInput], str]] = [
    (rules.check_references, subgraphs(a=F2 + "type Query { a: Missing }"), "INVALID_GRAPHQL"),
    (
        rules.check_required_not_deprecated,
        subgraphs(a=F2 + "type Query { a(x: Int! @deprecated): Int }"),
        "INVALID_GRAPHQL",
    ),
    (
        rules.check_default_values,
        subgraphs(a=F2 + 'type Query { a(x: Int = "five"): Int }'),
        "INVALID_GRAPHQL",
    ),
    (
        rules.check_directive_placement,
        subgraphs(a=F2 + 'type Query @requires(fields: "a") { a: Int }'),
        "INVALID_GRAPHQL",
    ),
    (
        rules.check_extensions_have_base,
        subgraphs(
            a='type Query { a: Int }\nextend type Ghost @key(fields: "id") { id: ID! @external x: Int }'
        ),
        "EXTENSION_WITH_NO_BASE",
    ),
    (
        rules.check_subgraph_problems,
        subgraphs(a=F2 + "schema { query: Q }\ntype Q { a: Int }\ntype Query { b: Int }"),
        "ROOT_QUERY_USED",
    ),
    (
        rules.check_directive_arguments,
        subgraphs(a=F2 + "type Query { t: T }\ntype T @key(fields: 1) { id: ID! }"),
        "KEY_INVALID_FIELDS_TYPE",
    ),
    (
        rules.check_subgraph_implementations,
        subgraphs(
            a=F2 + "type Query { i: I }\ninterface I { a: Int }\ntype T implements I { a: String }"
        ),
        "INVALID_GRAPHQL",
    ),
    (
        rules.check_keys,
        subgraphs(a=F2 + 'type Query { t: T }\ntype T @key(fields: "nope") { id: ID! }'),
        "KEY_INVALID_FIELDS",
    ),
    (
        rules.check_access_on_interfaces,
        subgraphs(
            a=F25
            + "type Query { i: I }\ninterface I @authenticated { a: Int }\ntype T implements I { a: Int }"
        ),
        "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
    ),
    (
        rules.check_interface_object_keys,
        subgraphs(a=F2 + "type Query { i: I }\ntype I @interfaceObject { id: ID! }"),
        "INTERFACE_OBJECT_USAGE_ERROR",
    ),
    (
        rules.check_requires,
        subgraphs(
            a=F2
            + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! a: Int b: Int @requires(fields: "a") }'
        ),
        "REQUIRES_FIELDS_MISSING_EXTERNAL",
    ),
    (
        rules.check_provides,
        subgraphs(a=F2 + 'type Query { a: Int @provides(fields: "x") }'),
        "PROVIDES_ON_NON_OBJECT_FIELD",
    ),
    (
        rules.check_external_usage,
        subgraphs(
            a=F2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int @external }'
        ),
        "EXTERNAL_UNUSED",
    ),
    (
        rules.check_interface_keys,
        subgraphs(
            a=F2
            + 'type Query { i: I }\ninterface I @key(fields: "id") { id: ID! }\ntype A implements I @key(fields: "id") { id: ID! }',
            b=F2 + 'interface I { id: ID! }\ntype B implements I @key(fields: "id") { id: ID! }',
        ),
        "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
    ),
    (
        rules.check_interface_fields_implemented,
        subgraphs(
            a=F2
            + 'type Query { i: I }\ninterface I { id: ID! }\ntype A implements I @key(fields: "id") { id: ID! }',
            b=F2
            + 'interface I { id: ID! name: String }\ntype B implements I @key(fields: "id") { id: ID! name: String }',
        ),
        "INTERFACE_FIELD_NO_IMPLEM",
    ),
    (
        rules.check_field_sharing,
        subgraphs(
            a=F2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! name: String }',
            b=F2 + 'type T @key(fields: "id") { id: ID! name: String }',
        ),
        "INVALID_FIELD_SHARING",
    ),
    (
        rules.check_supergraph_implementations,
        load_case("error-merged-implementation-not-a-subtype"),
        "INVALID_GRAPHQL",
    ),
    (
        rules.check_inaccessible_references,
        subgraphs(a=F2 + "type Query { a: T }\ntype T @inaccessible { x: Int }"),
        "REFERENCED_INACCESSIBLE",
    ),
    (
        rules.check_default_value_inaccessible,
        subgraphs(
            a=F2 + "type Query { f(r: Role = ADMIN): Int }\nenum Role { USER ADMIN @inaccessible }"
        ),
        "DEFAULT_VALUE_USES_INACCESSIBLE",
    ),
    (
        rules.check_satisfiability,
        subgraphs(
            a=F2 + "type Query { v: V }\ntype V @shareable { x: Int }",
            b=F2 + "type V @shareable { x: Int y: Int }",
        ),
        "SATISFIABILITY_ERROR",
    ),
    (
        rules.check_satisfiability,
        load_case("error-shareable-mismatched-runtime-types"),
        "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
    ),
]


@pytest.mark.parametrize(
    ("rule", "inputs", "code"),
    BROKEN,
    ids=[f"{r.__name__}-{code}" for r, _, code in BROKEN],
)
def test_rule_reports_its_code(rule: rules.Rule, inputs: list[SubgraphInput], code: str) -> None:
    errors = rule_errors(rule, inputs)
    assert errors, f"{rule.__name__} found nothing"
    assert {e.code for e in errors} == {code}, [str(e) for e in errors]
    assert all(e.message for e in errors)


@pytest.mark.parametrize("rule", rules.ALL, ids=[r.__name__ for r in rules.ALL])
@pytest.mark.parametrize("case", ["entities-basic", "interface-object", "bench-fed1"])
def test_rule_is_silent_on_a_set_that_composes(rule: rules.Rule, case: str) -> None:
    assert rule_errors(rule, load_case(case)) == []


def test_every_rule_has_a_breaking_case() -> None:
    covered = {r for r, _, _ in BROKEN}
    assert [r.__name__ for r in rules.ALL if r not in covered] == []


def test_the_harness_says_when_a_set_never_reaches_the_rule() -> None:
    clash = subgraphs(a=F2 + "type Query { a: Int }", b=F2 + "type Query { a: String }")
    with pytest.raises(StageFailed, match="FIELD_TYPE_MISMATCH"):
        rule_errors(rules.check_satisfiability, clash)
