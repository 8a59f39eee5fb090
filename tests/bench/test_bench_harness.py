"""Harness pieces on their own: process groups, wrk output, medians, ratios and targets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bench.federation.load import parse_wrk_output
from bench.federation.processes import process_tree, tree_rss_kb
from bench.federation.report import RoundResult, ratios, results_table, summarise, targets
from bench.federation.runner import update_readme
from infra.processes import ProcessRegistry


def test_stop_kills_the_whole_process_group_and_only_it(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path)
    started = registry.start("tree", ["sh", "-c", "sleep 60 & sleep 60 & echo ready; wait"])
    deadline = time.monotonic() + 10
    while len(process_tree(started.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # no event to await: the children appear in /proc when forked
    tree = process_tree(started.pid)
    assert len(tree) == 3
    assert tree_rss_kb(started.pid) > 0
    registry.stop(started, grace=2)
    assert started.popen.returncode is not None
    for pid in tree:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert os.getpid() > 0 and Path(f"/proc/{os.getpid()}").exists()  # we survive


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except OSError:
        return True


def test_parse_wrk_output() -> None:
    text = (
        "Running 5s test\n"
        'WRK_JSON {"requests":1000,"duration_us":5000000,"bytes":1,"connect":1,"read":2,'
        '"write":0,"status":3,"timeout":4,"bad_bodies":5,"p50_us":31000,"p90_us":50000,'
        '"p99_us":126000,"max_us":200000,"mean_us":33000.0}\n'
    )
    result = parse_wrk_output(text)
    assert result.rps == pytest.approx(200.0)
    assert (result.p50_ms, result.p99_ms) == (31.0, 126.0)
    assert result.errors == 1 + 2 + 3 + 4
    assert result.bad_bodies == 5
    with pytest.raises(ValueError, match="WRK_JSON"):
        parse_wrk_output("wrk crashed")


def _round(gateway: str, rps: float, p99: float, rss: float = 100, ok: bool = True) -> RoundResult:
    return RoundResult(
        gateway, 1, ok=ok, rps=rps, p50_ms=p99 / 3, p99_ms=p99, peak_rss_mb=rss,
        load={"requests": 1}, reason="" if ok else "answer before load: $.data: differs",
    )  # fmt: skip


def test_medians_ratios_and_targets() -> None:
    hive = summarise(
        "hive", "Hive", [_round("hive", r, p) for r, p in [(60, 1400), (65, 1300), (70, 1200)]]
    )
    ours = summarise(
        "charter",
        "Charter",
        [_round("charter", r, p) for r, p in [(300, 300), (200, 400), (250, 350)]],
    )
    hive_dedup = summarise("hive-dedup", "Hive dedup", [_round("hive-dedup", 900, 120)])
    ours_dedup = summarise(
        "charter-dedup", "Charter dedup", [_round("charter-dedup", 1000, 90, rss=180)]
    )
    assert (hive.rps, hive.p99_ms) == (65, 1300)
    assert (ours.rps, ours.p99_ms) == (250, 350)
    rows = ratios([hive, ours, hive_dedup, ours_dedup])
    pair = {(r["ours"], r["peer"]): r for r in rows}
    assert pair[("charter", "hive")]["rps_ratio"] == pytest.approx(250 / 65)
    lines = targets([hive, ours, hive_dedup, ours_dedup], rows)
    assert lines[0].startswith("- no dedup") and "PASS" in lines[0]
    assert "FAIL" in lines[1]  # 1000/900 RPS is below 1.5x
    assert "charter-dedup peak RSS" in lines[3] and "FAIL" in lines[3]


def test_a_gateway_failing_its_check_is_reported_failed() -> None:
    failed = summarise(
        "charter", "Charter", [RoundResult("charter", 1, reason="exited with code 1")]
    )
    hive = summarise("hive", "Hive", [_round("hive", 60, 1300)])
    assert failed.failed and failed.rps is None
    table = results_table([hive, failed])
    assert "| Charter | FAILED (0/1 rounds ok) | - |" in table
    assert table.splitlines()[2].endswith("| 60 |")  # Hive's one round
    assert ratios([hive, failed])[0]["rps_ratio"] is None
    assert "n.a." in targets([hive, failed], ratios([hive, failed]))[0]


def test_update_readme_replaces_only_the_results_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# B\n<!-- results:start -->\nold\n<!-- results:end -->\n\n## After\n")
    update_readme(readme, "| new | table |")
    assert readme.read_text() == (
        "# B\n<!-- results:start -->\n| new | table |\n<!-- results:end -->\n\n## After\n"
    )
    (tmp_path / "bare.md").write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        update_readme(tmp_path / "bare.md", "x")
