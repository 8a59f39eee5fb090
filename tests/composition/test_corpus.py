"""Our supergraph against Apollo's, over the whole corpus: pinned results (no Node needed) and the
live npm `@apollo/composition` oracle (one node process for every case)."""

from __future__ import annotations

import json

import pytest

from bench.federation.workload import DEFAULT_DIR as SCENARIO
from gateway.composition import CompositionResult, compose

from .corpus import CORPUS, case_names, load_case, oracle_results, shared_case_names
from .normalize import diff, normalize

CASES = case_names()
BENCH_SUPERGRAPH = SCENARIO / "supergraph.graphql"


def _ours(case: str) -> CompositionResult:
    return compose(load_case(case))


def _assert_same_outcome(
    case: str, ours: CompositionResult, apollo_sdl: str | None, apollo_codes: set[str]
) -> None:
    if apollo_sdl is None:
        our_codes = {e.code for e in ours.errors}
        assert ours.supergraph_sdl is None, (
            f"{case}: Apollo refuses ({apollo_codes}) but we composed"
        )
        # The same set of codes, not merely one in common: no missing and no extra rule fires.
        assert our_codes == apollo_codes, f"{case}: Apollo says {apollo_codes}, we say {our_codes}"
        return
    assert ours.supergraph_sdl is not None, f"{case}: Apollo composes, we fail: {ours.errors}"
    delta = diff(ours.supergraph_sdl, apollo_sdl)
    assert not delta, f"{case}: supergraphs differ (- Apollo, + ours):\n{delta}"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert sum(1 for c in CASES if c.startswith("error-")) >= 10


@pytest.mark.parametrize("case", CASES)
def test_matches_pinned_apollo_result(case: str) -> None:
    pinned = CORPUS / case / "apollo.graphql"
    errors = CORPUS / case / "apollo-errors.json"
    assert pinned.exists() or errors.exists(), (
        f"{case} has no pinned result: run python -m tests.composition.pin"
    )
    apollo_sdl = pinned.read_text() if pinned.exists() else None
    codes = {e["code"] for e in json.loads(errors.read_text())} if errors.exists() else set()
    _assert_same_outcome(case, _ours(case), apollo_sdl, codes)


@pytest.mark.node
@pytest.mark.parametrize("case", CASES + shared_case_names())
def test_matches_live_apollo_composition(case: str, need_node: None) -> None:
    apollo = oracle_results()[case]
    codes = {e["code"] for e in apollo["errors"]}
    _assert_same_outcome(case, _ours(case), apollo["supergraph"], codes)
    pinned = CORPUS / case / "apollo.graphql"
    if apollo["supergraph"] is not None and case in CASES:
        # The pinned copy must still be what Apollo produces, or the no-Node test proves nothing.
        assert normalize(pinned.read_text()) == normalize(apollo["supergraph"]), (
            f"refresh pins for {case}"
        )


def test_bench_case_composes_to_the_benchmark_supergraph() -> None:
    if not BENCH_SUPERGRAPH.exists():
        pytest.skip("the shared benchmark supergraph is not on this machine")
    ours = _ours("bench-fed1")
    assert ours.supergraph_sdl is not None, ours.errors
    assert not diff(ours.supergraph_sdl, BENCH_SUPERGRAPH.read_text())
    assert '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)' in ours.supergraph_sdl


def test_newest_federation_uses_join_v05() -> None:
    ours = _ours("cost-list-size")
    assert ours.supergraph_sdl is not None
    assert '@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)' in ours.supergraph_sdl
    assert "@listSize(assumedSize: 50" in ours.supergraph_sdl
