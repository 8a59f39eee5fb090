"""Our supergraphs are accepted by the peer gateways exactly when Apollo's own are: @apollo/gateway
and Hive's federation runtime each build their schema from every supergraph in the corpus."""

from __future__ import annotations

import json
import subprocess
from functools import cache

import pytest

from gateway.composition import compose

from .corpus import CORPUS, HERE, case_names, load_case

COMPOSED = [c for c in case_names() if (CORPUS / c / "apollo.graphql").exists()]


def _accept(payload: dict[str, str]) -> dict[str, dict[str, str | None]]:
    proc = subprocess.run(
        ["node", str(HERE / "accept.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(proc.stdout)


@cache
def _verdicts() -> tuple[dict, dict]:
    payload = {}
    for case in COMPOSED:
        result = compose(load_case(case))
        assert result.supergraph_sdl is not None, result.errors
        payload[f"ours:{case}"] = result.supergraph_sdl
        payload[f"apollo:{case}"] = (CORPUS / case / "apollo.graphql").read_text()
    verdicts = _accept(payload)  # one node process for both sides
    return (
        {c: verdicts[f"ours:{c}"] for c in COMPOSED},
        {c: verdicts[f"apollo:{c}"] for c in COMPOSED},
    )


@pytest.mark.node
@pytest.mark.parametrize("case", COMPOSED)
def test_peer_gateways_accept_our_supergraph(case: str, need_node: None) -> None:
    ours, theirs = _verdicts()
    for gateway in ("apollo", "hive"):
        if theirs[case][gateway] is None:
            assert ours[case][gateway] is None, f"{gateway} rejects ours: {ours[case][gateway]}"
        else:
            # e.g. @apollo/gateway refuses SECURITY features (authenticated, policy) from anyone.
            assert ours[case][gateway] is not None, f"{gateway} accepts ours but not Apollo's"


@pytest.mark.node
def test_most_cases_are_accepted_by_both(need_node: None) -> None:
    ours, _ = _verdicts()
    accepted = [c for c, v in ours.items() if v["apollo"] is None and v["hive"] is None]
    assert len(accepted) >= len(COMPOSED) - 3
