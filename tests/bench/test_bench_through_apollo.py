"""Through a real @apollo/gateway, our four subgraphs answer the benchmark query exactly as
expected.json: proof that they are faithful to the public scenario, quirks included. Then one
short wrk run through the harness's own load module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from bench.federation.check import check_answer
from bench.federation.gateways import GATEWAYS, LaunchOptions, node_ready
from bench.federation.load import ensure_wrk, parse_wrk_output, wrk_command, wrk_env
from bench.federation.processes import tree_rss_kb
from bench.federation.runner import wait_ready
from bench.federation.workload import REPO_ROOT, Workload
from infra.ports import free_port
from infra.processes import ProcessRegistry

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not node_ready(), reason="node or tools/node/node_modules is absent"),
]


@pytest.fixture(scope="module")
def apollo_url(
    registry: ProcessRegistry, workload: Workload, subgraphs_url: str, tmp_path_factory
) -> Iterator[tuple[str, int]]:
    supergraph: Path = tmp_path_factory.mktemp("apollo") / "supergraph.graphql"
    supergraph.write_text(workload.supergraph_for(subgraphs_url))
    spec = GATEWAYS["apollo"]
    port = free_port()
    command = spec.command(supergraph, port, LaunchOptions())
    started = registry.start("apollo-test", command, env=spec.env())
    base = f"http://127.0.0.1:{port}"
    why_not = wait_ready(started, base, spec, 60)
    assert not why_not, why_not
    yield base + spec.graphql_path, started.pid
    registry.stop(started)
    assert started.popen.poll() is not None


def test_apollo_gateway_over_our_subgraphs_answers_expected_json(
    apollo_url: tuple[str, int], workload: Workload
) -> None:
    url, pid = apollo_url
    check = check_answer(url, workload.payload, workload.expected)
    assert check.ok, check.detail
    assert tree_rss_kb(pid) > 10_000  # a live Node process, measured through /proc


def test_a_wrong_answer_is_reported_with_where_it_differs(
    apollo_url: tuple[str, int], workload: Workload
) -> None:
    expected = workload.expected
    tampered = {"data": {**expected["data"], "users": expected["data"]["users"][:-1]}}
    check = check_answer(apollo_url[0], workload.payload, tampered)
    assert not check.ok
    assert "$.data.users: 6 items, want 5" in check.detail


def test_one_second_of_wrk_load_is_measured(
    apollo_url: tuple[str, int], workload: Workload
) -> None:
    wrk = ensure_wrk()
    command = wrk_command(wrk, apollo_url[0], connections=2, duration_s=1)
    done = subprocess.run(
        command, env=wrk_env(workload.payload_path), capture_output=True, text=True, timeout=30
    )
    result = parse_wrk_output(done.stdout)
    assert result.requests > 0
    assert result.errors == 0
    assert result.bad_bodies == 0  # every answer was the full 87 KB one
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms


def test_one_short_run_end_to_end(tmp_path: Path) -> None:
    """The whole command: subgraphs, two gateways, checks, load, table, JSON, clean exit."""
    command = [
        sys.executable, "-m", "bench.federation", "--duration", "3", "--rounds", "1",
        "--warmup", "2", "--sample-every", "0.5", "--gateways", "apollo,charter-dedup",
        "--results-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| Apollo Gateway" in done.stdout and "charter-dedup vs apollo" in done.stdout
    (result_file,) = tmp_path.glob("federation-*.json")
    results = orjson.loads(result_file.read_bytes())
    apollo, charter = results["summaries"]
    assert not apollo["failed"] and apollo["rps"] > 0 and apollo["peak_rss_mb"] > 10
    # Ours may still be in progress: then it is reported FAILED with a reason, never a crash.
    if charter["failed"]:
        assert charter["reason"]
    else:
        assert charter["rps"] > 0
    logs = next(tmp_path.glob("federation-*-logs"))
    assert (logs / "subgraphs.log").exists()
    # Nothing of this run survives it: no gateway reading its supergraph, no subgraphs on its port.
    port = results["subgraphs_url"].rsplit(":", 1)[1]
    assert not _running_with(str(logs).encode())
    assert not _running_with(b"bench.federation.subgraphs\0--port\0" + port.encode() + b"\0")


def _running_with(fragment: bytes) -> bool:
    """Whether any live process's command line (NUL-separated) contains `fragment`."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if fragment in cmdline.read_bytes():
                return True
        except OSError:
            continue
    return False
