"""The five faults, each injected into a running `charter up` by pid (from `charter status --json`)
and undone (a frozen process is continued; killed ones are restarted by the supervisor)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Report = dict[str, Any]


def _pids(report: Report, match: Callable[[dict[str, Any]], bool]) -> list[int]:
    return [p["pid"] for p in report["processes"] if match(p) and p.get("pid")]


@dataclass(frozen=True)
class Fault:
    key: str
    title: str
    targets: Callable[[Report], list[int]]
    sig: signal.Signals
    hold: bool  # frozen for the fault's duration, then SIGCONT (else: killed, the supervisor restarts)
    # which gateway routes (subgraph names) lose their ams endpoint; empty: none (a database fault)
    subgraphs: tuple[str, ...]
    database: str = ""  # "replica" | "primary": detected through subgraph health / status instead

    def inject(self, report: Report) -> list[int]:
        pids = self.targets(report)
        if not pids:
            raise RuntimeError(f"{self.key}: no process to fault in charter status")
        for pid in pids:
            os.kill(pid, self.sig)
        return pids

    def release(self, pids: list[int]) -> None:
        if self.hold:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)


def _is(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: p["name"] == name


FAULTS: dict[str, Fault] = {
    f.key: f
    for f in (
        Fault("kill-subgraph", "a subgraph killed (projects@ams, SIGKILL)", lambda r: _pids(r, _is("projects@ams")),
              signal.SIGKILL, False, ("projects",)),
        Fault("freeze-subgraph", "a subgraph frozen (projects@ams, SIGSTOP)", lambda r: _pids(r, _is("projects@ams")),
              signal.SIGSTOP, True, ("projects",)),
        Fault("kill-replica", "its read replica killed (postgres-replica@ams, SIGKILL)",
              lambda r: _pids(r, _is("postgres-replica@ams")), signal.SIGKILL, False, (), "replica"),
        Fault("kill-region", "every ams subgraph killed (SIGKILL)",
              lambda r: _pids(r, lambda p: p["role"] == "subgraph" and p["region"] == "ams"),
              signal.SIGKILL, False, ("nations", "projects", "metrics")),
        Fault("restart-primary", "the primary restarted (postgres-primary, SIGINT: fast shutdown, then the supervisor starts it)",
              lambda r: _pids(r, _is("postgres-primary")), signal.SIGINT, False, (), "primary"),
    )
}
