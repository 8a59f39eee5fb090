"""Supervision: a child never blocks on its output (any line length), a child dies with whatever
started it (PR_SET_PDEATHSIG), and `charter up` restarts what crashes, reports every process in
`charter status --json`, and leaves no process behind however it is stopped (Ctrl-C, SIGTERM,
SIGKILL)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.ports import free_port
from infra.processes import ManagedProcess

CHATTY = textwrap.dedent("""
    import sys, time
    sys.stdout.write("x" * 1_000_000 + "\\n")      # one 1 MB line
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    for _ in range(40):
        sys.stdout.write("y" * 200_000 + "\\n")   # 8 MB more, in long lines
    sys.stdout.write("done\\n"); sys.stdout.flush()
    time.sleep(60)
""")


async def test_a_child_never_blocks_on_long_output_lines(tmp_path: Path) -> None:
    proc = ManagedProcess("chatty", [sys.executable, "-c", CHATTY], log_path=tmp_path / "chatty.log")
    try:
        await proc.start(r"^ready$", within=20)
        await proc.wait_for_line(r"^done$", within=20)  # it was never stuck on a full pipe
        assert proc.running
        assert "more bytes in chatty.log" in proc.tail()  # the tail keeps the start of a long line
    finally:
        await proc.stop()
    lines = (tmp_path / "chatty.log").read_bytes().split(b"\n")
    assert len(lines[0]) == 1_000_000 and lines[1] == b"ready" and len(lines[2]) == 200_000  # logged whole


PARENT = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from infra.processes import ManagedProcess
    async def main():
        p = ManagedProcess("sleeper", [sys.executable, "-c", "print('up', flush=True); import time; time.sleep(120)"],
                           log_path=Path(sys.argv[1]))
        await p.start("up", within=20)
        print(p.pid, flush=True)
        await asyncio.sleep(120)
    asyncio.run(main())
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    """Process exit has no event we can await from outside its parent: bounded polling."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def test_a_child_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "sleeper.log")], stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2], start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
        parent.wait()
        assert _gone_within([child], 5) == []
    finally:
        if parent.poll() is None:
            parent.kill()


# ---------------------------------------------------------------------------- charter up


def _mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return [p for p in found if p != os.getpid() and _alive(p)]


def _status(data_dir: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "charter", "status", "--data-dir", str(data_dir), "--json"],
        capture_output=True, text=True, timeout=30,
    )
    report = json.loads(out.stdout)
    assert out.returncode == (0 if report.get("healthy") else 1 if "error" not in report else 2), out
    return report  # type: ignore[no-any-return]


def _wait_status(data_dir: Path, check: Any, within: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        report = _status(data_dir)
        if check(report):
            return report
        time.sleep(0.25)
    raise AssertionError(json.dumps(_status(data_dir), indent=1))


def _proc(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in report["processes"] if p["name"] == name)


async def _start_up(data_dir: Path) -> tuple[ManagedProcess, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    up = ManagedProcess(
        "charter-up",
        [sys.executable, "-m", "charter", "up", "--regions", "ams", "--port", str(port),
         "--subgraph-base-port", str(free_port()), "--data-dir", str(data_dir)],
        env=env, log_path=data_dir / "up.log", stop_signal=signal.SIGINT,
    )
    await up.start(r"supervising \d+ processes", within=180)
    return up, port


@pytest.mark.parametrize("how", ["sigint", "sigterm", "sigkill"])
async def test_charter_up_restarts_what_crashes_and_leaves_nothing_behind(how: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="charter-sup-test-"))
    up, port = await _start_up(data_dir)
    try:
        # Right after start a replica may still be catching up on the seed (then "degraded", truthfully).
        report = _wait_status(data_dir, lambda r: r["healthy"], within=30)
        assert report["schema"] == "charter-status/1"
        roles = sorted(p["role"] for p in report["processes"])
        assert roles == [
            "events", "gateway", "nats", "postgres-primary", "postgres-replica", "redis", "subgraph", "subgraph",
            "subgraph",
        ]
        for p in report["processes"]:
            assert p["alive"] and p["health"] == "healthy" and p["restarts"] == 0 and p["pid"], p
            if p["role"] in ("nats", "events", "redis"):  # shared by every region; the relay listens on no port
                assert p["region"] is None and (p["port"] is None) == (p["role"] == "events"), p
            else:
                assert p["region"] == "ams" and p["port"], p
        pids = [p["pid"] for p in report["processes"]]
        if how == "sigint":  # one run checks restarts: a subgraph and the replica crash
            for name in ("nations@ams", "postgres-replica@ams"):
                old = _proc(report, name)["pid"]
                os.kill(old, signal.SIGKILL)
                report = _wait_status(
                    data_dir, lambda r, n=name, o=old: _proc(r, n)["restarts"] == 1 and _proc(r, n)["pid"] != o
                    and _proc(r, n)["health"] == "healthy",
                )
                pids.append(_proc(report, name)["pid"])
            async with httpx.AsyncClient(timeout=30) as client:
                body = (await client.post(f"http://127.0.0.1:{port}/graphql",
                                          json={"query": '{ nation(code: "KE") { name } }'})).json()
            assert body == {"data": {"nation": {"name": "Kenya"}}}
        if how == "sigkill":
            assert up.pid is not None
            os.kill(up.pid, signal.SIGKILL)
            await asyncio.wait_for(up.wait_exited(), 10)
        else:
            up.stop_signal = signal.SIGINT if how == "sigint" else signal.SIGTERM
            await up.stop(within=60)
            assert "charter up: stopped" in (data_dir / "up.log").read_text()
        assert _gone_within(pids, 15) == [], "charter up left processes behind"
        assert _mentioning(str(data_dir)) == []
    finally:
        await up.stop(within=60)
        for pid in _mentioning(str(data_dir)):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)
