"""Processes the benchmark starts: each in its own process group, killed as a group, measured.

Only what this module started is ever signalled (by process-group id), also on Ctrl-C or errors:
`ProcessRegistry.close()` runs from the runner's `finally`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Started:
    """One started process (and its group): name, command and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ProcessRegistry:
    """Starts processes in new sessions and stops exactly those, group by group."""

    log_dir: Path
    started: list[Started] = field(default_factory=list)

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Started:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(command),
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killable with its children
            )
        started = Started(name, popen, log_path)
        self.started.append(started)
        return started

    def stop(self, started: Started, grace: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL it if it lingers past `grace` seconds."""
        if started in self.started:
            self.started.remove(started)
        pgid = started.pid  # == the group id, since it leads a new session
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                started.popen.wait(timeout=wait)
            if _group_gone_within(pgid, wait):
                return

    def close(self) -> None:
        for started in reversed(list(self.started)):
            self.stop(started, grace=3.0)


def _group_gone_within(pgid: int, seconds: float) -> bool:
    """Whether the group's last process is gone within `seconds`. The leader is our child and was
    awaited; the others are not our children (no event to await), so /proc is polled briefly."""
    deadline = time.monotonic() + seconds
    while _group_exists(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError):
        for task in task_dir.iterdir():
            with contextlib.suppress(OSError):
                kids.extend(int(p) for p in (task / "children").read_text().split())
    return kids


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (from /proc/<pid>/task/*/children)."""
    seen: list[int] = []
    todo = [pid]
    while todo and len(seen) < 512:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo.extend(_children(current))
    return seen


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """Resident memory of the process tree right now (sum of VmRSS), in KiB."""
    return sum(_status_kb(p, "VmRSS") for p in process_tree(pid))


def tree_hwm_kb(pid: int) -> int:
    """Largest single-process high-water mark (VmHWM) in the tree, in KiB: a floor for the peak
    that catches spikes between two RSS samples."""
    return max((_status_kb(p, "VmHWM") for p in process_tree(pid)), default=0)


class RssSampler:
    """Peak tree RSS over a window: call `sample()` periodically, read `peak_kb`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid), tree_hwm_kb(self.pid))


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time consumed so far by the live processes of the tree, in seconds."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _CLOCK_TICKS


def machine_busy_cpu_seconds() -> float:
    """CPU time all processes of the machine have been busy so far (from /proc/stat), in seconds:
    minus the benchmark's own processes, it tells how much other work disturbed a measurement."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS
