"""Composition errors name Apollo's code, the subgraph and the coordinate; bad input never raises."""

from __future__ import annotations

import pytest

from gateway.composition import CompositionError, SubgraphInput, compose

from .corpus import load_case

FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override"])\n'


def _errors(case: str) -> list[CompositionError]:
    result = compose(load_case(case))
    assert result.supergraph_sdl is None
    return result.errors


@pytest.mark.parametrize(
    ("case", "code", "subgraph", "coordinate"),
    [
        ("error-invalid-field-sharing", "INVALID_FIELD_SHARING", None, "T.name"),
        ("error-external-missing-on-base", "EXTERNAL_MISSING_ON_BASE", "b", "T.weight"),
        ("error-key-select-invalid-type", "KEY_FIELDS_SELECT_INVALID_TYPE", "a", "T"),
        ("error-key-invalid-fields", "KEY_INVALID_FIELDS", "a", "T"),
        ("error-field-type-mismatch", "FIELD_TYPE_MISMATCH", None, "T.v"),
        ("error-type-kind-mismatch", "TYPE_KIND_MISMATCH", None, "Thing"),
        (
            "error-required-argument-missing",
            "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
            None,
            "Query.f(x:)",
        ),
        ("error-enum-value-mismatch", "ENUM_VALUE_MISMATCH", None, "E.B"),
        ("error-override-from-self", "OVERRIDE_FROM_SELF_ERROR", "a", "T.x"),
        ("error-external-unused", "EXTERNAL_UNUSED", "a", "T.x"),
        ("error-extension-with-no-base", "EXTENSION_WITH_NO_BASE", "a", "Ghost"),
        ("error-provides-on-non-object", "PROVIDES_ON_NON_OBJECT_FIELD", "a", "Query.name"),
        ("error-requires-missing-external", "REQUIRES_FIELDS_MISSING_EXTERNAL", "a", "T.b"),
        ("error-override-label-invalid", "OVERRIDE_LABEL_INVALID", "a", "T.moved"),
        ("error-import-unknown-element", "INVALID_LINK_DIRECTIVE_USAGE", "a", "@policy"),
        ("error-syntax", "INVALID_GRAPHQL", "a", None),
    ],
)
def test_error_names_rule_subgraph_and_coordinate(
    case: str, code: str, subgraph: str | None, coordinate: str | None
) -> None:
    errors = _errors(case)
    match = [e for e in errors if e.code == code]
    assert match, f"expected {code}, got {[str(e) for e in errors]}"
    assert match[0].subgraph == subgraph
    assert match[0].coordinate == coordinate
    assert match[0].message


def test_field_sharing_message_lists_the_subgraphs() -> None:
    [error] = _errors("error-invalid-field-sharing")
    assert error.message == (
        'Non-shareable field "T.name" is resolved from multiple subgraphs: it is resolved from '
        'subgraphs "a" and "b" and defined as non-shareable in all of them'
    )


def test_shareable_on_one_side_only_names_the_other() -> None:
    result = compose(
        [
            SubgraphInput(
                "a",
                "http://a",
                FED + 'type Query { t: T } type T @key(fields: "id") { id: ID! n: Int @shareable }',
            ),
            SubgraphInput("b", "http://b", FED + 'type T @key(fields: "id") { id: ID! n: Int }'),
        ]
    )
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert error.subgraph == "b"
    assert 'defined as non-shareable in subgraph "b"' in error.message


BAD_INPUTS = [
    "",
    "not graphql at all {{{",
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@nope"]) type Query { a: Int }',
    FED + "type Query { t: T } type T @key(fields: 123) { id: ID! }",
    FED + "type Query { t: T } type T @key { id: ID! }",
    FED + 'type Query { t: T } type T @key(fields: "id {") { id: ID! }',
    FED + 'type Query { t: T } type T @key(fields: "id { x }") { id: ID! }',
    FED + 'type Query { t: T } type T @key(fields: "...F") { id: ID! }',
    FED + "type Query { t: Missing }",
    FED + 'type Query { t: T @provides(fields: "zzz") } type T @key(fields: "id") { id: ID! }',
    FED + "type Query { a: Int @override }",
    FED + "type Query { a: Int @unknownDirective }",
    FED + "type Query { a: Int } extend type Query { a: Int }",
    "schema { query: Nope }",
    "scalar Only",
    'extend schema @link(url: "not a url") type Query { a: Int }',
]


@pytest.mark.parametrize("sdl", BAD_INPUTS)
def test_bad_input_gives_errors_not_tracebacks(sdl: str) -> None:
    result = compose(
        [
            SubgraphInput("a", "http://a", sdl),
            SubgraphInput("b", "http://b", FED + "type Query { b: Int }"),
        ]
    )
    assert result.supergraph_sdl is None or not result.errors
    for e in result.errors:
        assert e.code and e.message


def test_no_subgraphs_is_an_error() -> None:
    result = compose([])
    assert result.supergraph_sdl is None
    assert result.errors
