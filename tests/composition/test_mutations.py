"""Differential check on generated subgraph sets: mutated corpus cases composed by us and by
npm @apollo/composition (one node process) must agree — same supergraph, or both refuse with a
shared error code."""

from __future__ import annotations

import json
import subprocess

import pytest

from gateway.composition import compose

from .corpus import HERE, case_names, load_case
from .mutations import mutated_sets
from .normalize import diff

SEED = 20261127
COUNT = 150


@pytest.mark.node
def test_mutated_corpus_agrees_with_apollo(need_node: None) -> None:
    cases = {n: load_case(n) for n in case_names() if not n.startswith("error-")}
    sets = mutated_sets(cases, COUNT, SEED)
    payload = {
        k: [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subs] for k, subs in sets.items()
    }
    proc = subprocess.run(
        ["node", str(HERE / "oracle.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    apollo = json.loads(proc.stdout)
    disagreements = []
    outcomes = {"composed": 0, "refused": 0}
    for key, subgraphs in sets.items():
        ours = compose(subgraphs)
        theirs = apollo[key]
        codes = {e["code"] for e in theirs["errors"]}
        our_codes = {e.code for e in ours.errors}
        assert "INTERNAL_ERROR" not in our_codes, f"{key}: {ours.errors}"
        if theirs["supergraph"] is not None and ours.supergraph_sdl is not None:
            outcomes["composed"] += 1
            delta = diff(ours.supergraph_sdl, theirs["supergraph"])
            if delta:
                disagreements.append(f"{key}: supergraphs differ\n{delta}")
        elif theirs["supergraph"] is None and ours.supergraph_sdl is None:
            outcomes["refused"] += 1
            if not codes & our_codes:
                disagreements.append(
                    f"{key}: Apollo says {sorted(codes)}, we say {sorted(our_codes)}"
                )
        else:
            disagreements.append(
                f"{key}: Apollo {'composes' if theirs['supergraph'] else sorted(codes)}, we {'compose' if ours.supergraph_sdl else sorted(our_codes)}"
            )
    assert outcomes["composed"] >= 10 and outcomes["refused"] >= 10, (
        outcomes
    )  # both sides exercised
    assert not disagreements, "\n\n".join(disagreements[:10])
