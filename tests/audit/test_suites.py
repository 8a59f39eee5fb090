"""The audit suites on disk are complete and their supergraphs freshly composed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.audit.suites import SUITES_DIR, all_cases, subgraph_sdls, suite_names

NODE_MODULES = SUITES_DIR.parents[2] / "tools" / "node" / "node_modules"


def test_every_suite_has_subgraphs_and_cases() -> None:
    names = suite_names()
    assert len(names) >= 38
    for suite in names:
        assert subgraph_sdls(suite), f"{suite} has no subgraph SDL"
        assert (SUITES_DIR / suite / "supergraph.graphql").is_file(), f"{suite} is not composed"
    by_suite = {c.suite for c in all_cases()}
    assert by_suite == set(names), f"suites without cases: {set(names) - by_suite}"


def test_every_expected_answer_states_data_or_errors() -> None:
    for case in all_cases():
        assert "data" in case.expected or "errors" in case.expected, case.id


@pytest.mark.node
def test_supergraphs_are_freshly_composed() -> None:
    if shutil.which("node") is None or not (NODE_MODULES / "@apollo" / "composition").is_dir():
        pytest.skip("needs node and tools/node/node_modules")
    result = subprocess.run(
        ["node", str(SUITES_DIR.parent / "compose.mjs"), "--check"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
