"""Our gateway loads every supergraph we compose, and derives from it the same API schema it
derives from Apollo's supergraph for the same subgraphs."""

from __future__ import annotations

import pytest
from graphql import lexicographic_sort_schema, print_schema

from gateway.composition import compose
from gateway.state import build_state

from .corpus import CORPUS, case_names, load_case

COMPOSED = [c for c in case_names() if (CORPUS / c / "apollo.graphql").exists()]


def _api(sdl: str) -> str:
    return print_schema(lexicographic_sort_schema(build_state(sdl).api_schema))


@pytest.mark.parametrize("case", COMPOSED)
def test_gateway_builds_the_same_api_schema(case: str) -> None:
    ours = compose(load_case(case)).supergraph_sdl
    assert ours is not None
    assert _api(ours) == _api((CORPUS / case / "apollo.graphql").read_text())
