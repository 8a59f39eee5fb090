"""The benchmark scenario in the repo is complete and its derived files are fresh."""

from __future__ import annotations

import orjson

from bench.federation.workload import DEFAULT_DIR, FILES, Workload, compose_supergraph
from tests.composition.normalize import diff, normalize


def test_every_file_is_in_the_repo() -> None:
    workload = Workload.locate()
    assert workload.directory == DEFAULT_DIR.resolve()
    assert all((DEFAULT_DIR / name).is_file() for name in FILES)


def test_supergraph_is_what_our_composition_makes_of_the_subgraphs() -> None:
    committed = (DEFAULT_DIR / "supergraph.graphql").read_text()
    fresh = compose_supergraph()
    assert normalize(committed) == normalize(fresh), (
        "stale: run `python -m bench.federation.workload`\n" + diff(fresh, committed)
    )


def test_payload_sends_the_query() -> None:
    payload = orjson.loads((DEFAULT_DIR / "payload.json").read_bytes())
    assert payload == {"query": (DEFAULT_DIR / "query.graphql").read_text()}


def test_expected_answer_covers_the_data() -> None:
    workload = Workload.locate()
    users = workload.expected["data"]["users"]
    assert [u["id"] for u in users] == [u["id"] for u in workload.data["users"]]
