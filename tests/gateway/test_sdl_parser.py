"""The fast SDL parser builds exactly graphql-core's AST, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLError, parse
from graphql.utilities import ast_to_dict

from gateway.supergraph.sdl_parser import Unsupported, parse_sdl

REPO = Path(__file__).resolve().parents[2]
SDL_FILES = sorted(
    p
    for p in REPO.glob("**/*.graphql")
    if "node_modules" not in p.parts and ".venv" not in p.parts and "queries" not in p.parts
    and "incremental" not in p.parts  # the defer scenario's operations
    and p.name != "query.graphql"  # operations, not schemas (the benchmark scenario's query)
)


def test_there_are_many_documents_to_compare() -> None:
    assert len(SDL_FILES) > 200  # supergraphs and subgraph SDLs of the corpora, schema/, fixtures


@pytest.mark.parametrize("path", SDL_FILES, ids=[str(p.relative_to(REPO)) for p in SDL_FILES])
def test_same_ast_as_graphql_core(path: Path) -> None:
    text = path.read_text()
    try:
        expected = parse(text, no_location=True)
    except GraphQLError:
        with pytest.raises(Unsupported):
            parse_sdl(text)
        return
    assert ast_to_dict(parse_sdl(text)) == ast_to_dict(expected)


@pytest.mark.parametrize(
    "text",
    [
        '"""  indented\n    block\n  """ scalar A',
        'type A { f(a: [Int!] = [1, 2], b: In = {x: "\\u00e9\\n", y: null}): [[A!]]! @d(e: ENUM, f: -1.5e3) }',
        "extend schema @link(url: \"x\") type Q { a: Int } extend type Q @k { b: Int }",
        "directive @d(a: Int = 1) repeatable on FIELD_DEFINITION | OBJECT\nunion U @x = | A | B",
        "interface I implements J & K { a: Int } enum E { A @deprecated(reason: \"\") B } input In { a: Int = 3 }",
        "# a comment\nscalar S, scalar T # another\n",
    ],
)
def test_grammar_corners(text: str) -> None:
    assert ast_to_dict(parse_sdl(text)) == ast_to_dict(parse(text, no_location=True))


@pytest.mark.parametrize(
    "text",
    ["{ a }", "query Q { a }", "type A {}", "type A { a: Int", "type A { a: 01 }", "schema @x", "type A ~ {}", ""],
)
def test_anything_else_is_left_to_graphql_core(text: str) -> None:
    with pytest.raises(Unsupported):
        parse_sdl(text)
