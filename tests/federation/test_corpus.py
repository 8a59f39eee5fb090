"""The corpus itself: complete, composed from its SDLs, and checked by a matcher that can fail."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from harness.federation_schema import build_subgraph_schema
from harness.gateways import node_available
from harness.matcher import mismatches
from harness.processes import REPO_ROOT
from harness.scenarios import (
    SCENARIOS_DIR,
    all_cases,
    resolver_module,
    scenario_names,
    subgraph_sdls,
)


def test_corpus_size() -> None:
    assert len(scenario_names()) >= 25
    assert len(all_cases()) >= 80


@pytest.mark.parametrize("scenario", scenario_names())
def test_scenario_is_complete(scenario: str) -> None:
    folder = SCENARIOS_DIR / scenario
    assert (folder / "supergraph.graphql").is_file()
    sdls = subgraph_sdls(scenario)
    assert len(sdls) >= 1
    for sdl in sdls.values():
        build_subgraph_schema(sdl)  # every subgraph SDL builds with the federation additions
    assert set(resolver_module(scenario).SUBGRAPHS) <= set(sdls)
    queries = {p.stem for p in (folder / "queries").glob("*.graphql")}
    expected = {p.stem for p in (folder / "expected").glob("*.json")}
    assert queries and queries == expected


@pytest.mark.node
@pytest.mark.skipif(not node_available() or shutil.which("node") is None, reason="node is missing")
def test_supergraphs_are_freshly_composed() -> None:
    result = subprocess.run(
        ["node", "tests/federation/tools/compose.mjs", "--check"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_matcher_requires_equal_data_in_order() -> None:
    expected = {"data": {"a": 1, "b": [1.0, True]}}
    assert mismatches(expected, {"data": {"a": 1, "b": [1, True]}}) == []
    assert mismatches(expected, {"data": {"b": [1, True], "a": 1}})  # key order matters
    assert mismatches(expected, {"data": {"a": 1, "b": [1, 1]}})  # True is not 1
    assert mismatches(expected, {"data": {"a": 1, "b": [1, True]}, "errors": [{"message": "x"}]})


def test_matcher_checks_error_paths_and_codes_not_messages() -> None:
    expected = {"data": None, "errors": [{"path": ["a", 0], "extensions": {"code": "X"}}]}
    ok = {"data": None, "errors": [{"message": "any words", "path": ["a", 0], "extensions": {"code": "X", "y": 1}}]}
    assert mismatches(expected, ok) == []
    assert mismatches(expected, {**ok, "errors": [{"message": "m", "path": ["a"], "extensions": {"code": "X"}}]})
    assert mismatches(expected, {**ok, "errors": [{"message": "m", "path": ["a", 0]}]})
    assert mismatches(expected, {**ok, "errors": [ok["errors"][0], ok["errors"][0]]})  # one too many
    assert mismatches(expected, {"data": None})
    assert mismatches({**expected, "$extraErrorsAllowed": True}, {**ok, "errors": ok["errors"] * 2}) == []
