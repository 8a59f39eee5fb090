"""`@defer` with the real Apollo Client (npm `@apollo/client`, HttpLink) against `charter gateway`
over the benchmark subgraphs: the multipart wire format it parses, the results a watching UI
renders (primary fields first, deferred ones merged in later), the final merged result and the
normalized cache it leaves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.gateway._fixtures_clients import (
    TOOLS_NODE,
    Service,
    benchmark_expected,
    benchmark_subgraphs,
    gateway_process,
)

__all__ = ["benchmark_subgraphs", "gateway_process"]  # fixtures used by name

SCRIPT = Path(__file__).resolve().parent / "clients" / "apollo_client_defer.mjs"

# Reviews (another subgraph) and their authors (a third) deferred per product; the product's own
# price deferred too (its own subgraph: still a part of its own), inside a nested defer.
QUERY = """
query Deferred($first: Int!) {
  topProducts(first: $first) {
    upc
    name
    ... @defer(label: "reviews") {
      reviews { id body author { id name } }
      ... @defer(label: "price") { price }
    }
  }
}
"""


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed")
    assert (TOOLS_NODE / "node_modules" / "@apollo" / "client" / "package.json").is_file(), "run `make node-deps`"
    return found


def run(node: str, gateway: Service, operation: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        [node, str(SCRIPT), f"{gateway.url}/graphql", str(TOOLS_NODE)],
        input=json.dumps(operation), capture_output=True, text=True, timeout=90, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = json.loads(completed.stdout)
    assert isinstance(out, dict)
    return out


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def expected(first: int) -> dict[str, Any]:
    """QUERY's whole answer, cut from the benchmark's known-good response."""
    products = benchmark_expected()["data"]["topProducts"][:first]
    names = {u["id"]: u["name"] for u in benchmark_expected()["data"]["users"]}
    return {"topProducts": [
        {
            "upc": p["upc"], "name": p["name"],
            "reviews": [
                {"id": r["id"], "body": r["body"], "author": {"id": r["author"]["id"], "name": names[r["author"]["id"]]}}
                for r in p["reviews"]
            ],
            "price": p["price"],
        }
        for p in products
    ]}


@pytest.mark.node
def test_apollo_client_reads_deferred_parts(node: str, gateway_process: Service) -> None:
    want = expected(2)
    assert all(p["reviews"] for p in want["topProducts"])  # the benchmark data has reviews to defer
    out = run(node, gateway_process, {"query": QUERY, "variables": {"first": 2}})

    # The wire: Apollo asked for deferSpec=20220824 and parsed a multipart answer.
    (sent,) = out["sent"]
    assert "deferSpec=20220824" in sent["accept"] and sent["status"] == 200
    assert sent["contentType"].startswith("multipart/mixed") and "deferSpec=20220824" in sent["contentType"]
    raw = out["raw"]
    first, rest = raw[0], raw[1:]
    assert first["hasNext"] is True
    assert strip(first["data"]) == {"topProducts": [{"upc": p["upc"], "name": p["name"]} for p in want["topProducts"]]}
    assert rest and rest[-1]["hasNext"] is False
    items = [i for chunk in rest for i in chunk.get("incremental", [])]
    labelled = sorted((i["label"], json.dumps(i["path"])) for i in items)
    assert labelled == sorted(
        [("reviews", json.dumps(["topProducts", n])) for n in range(2)]
        + [("price", json.dumps(["topProducts", n])) for n in range(2)]
    )
    for item in items:
        n = item["path"][1]
        if item["label"] == "price":
            assert item["data"] == {"price": want["topProducts"][n]["price"]}
        else:
            assert strip(item["data"]) == {"reviews": want["topProducts"][n]["reviews"]}
    # Nested: a product's price part comes no earlier than its reviews part.
    order = [(i["label"], i["path"][1]) for i in items]
    for n in range(2):
        assert order.index(("reviews", n)) < order.index(("price", n))

    # A watching UI: first the primary fields (still loading), later the whole result.
    emitted = out["emitted"]
    assert len(emitted) >= 2
    assert strip(emitted[0]["data"]) == strip(first["data"]) and emitted[0]["errors"] is None
    assert strip(emitted[-1]["data"]) == want

    # client.query resolves once everything arrived; the cache holds it all, by key.
    assert out["final"]["errors"] is None
    assert strip(out["final"]["data"]) == want
    assert out["cached"]["data"] == out["final"]["data"]
