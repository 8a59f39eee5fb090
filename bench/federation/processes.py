"""Processes the benchmark starts, and what they cost: tree RSS and CPU time from /proc.

Starting and stopping is infra's (`infra.processes.ProcessRegistry`: each child in its own
process group, killed as a group; only what it started is ever signalled, also on Ctrl-C or
errors, since `ProcessRegistry.close()` runs from the runner's `finally`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


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
