"""The run's numbers as Markdown tables: ours, Apollo's, the ratio, the issue's targets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .measure import OpTimings, median, p95
from .validate import PlanCheck

TARGET_COLD_MS = 5.0
TARGET_CACHED_US = 50.0
TARGET_LARGE_MS = 1000.0
TARGET_LARGE_MB = 200.0


@dataclass
class Row:
    workload: str
    measure: str
    ours: float
    apollo: float | None
    unit: str
    target: str = ""
    passed: bool | None = None

    def cells(self) -> list[str]:
        ratio = "" if self.apollo in (None, 0) or math.isnan(self.ours) else f"{self.ours / self.apollo:.2f}"
        status = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        def value(x: float) -> str:
            # unitless rows are counts
            return f"{x:,.0f}" if not self.unit else f"{_num(x)} {self.unit}"

        return [
            self.workload, self.measure, value(self.ours),
            "" if self.apollo is None else value(self.apollo), ratio, self.target, status,
        ]


def _num(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}" if x >= 1 else f"{x:.3f}"


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    head = "| " + " | ".join(headers) + " |"
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"
    return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in rows])


def summary_table(rows: list[Row]) -> str:
    return table(
        ["workload", "measure", "ours", "Apollo QP", "ours/Apollo", "target", ""],
        [r.cells() for r in rows], {2, 3, 4},
    )


def apollo_op(apollo: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((o for o in apollo.get("operations", []) if o["name"] == name), None)


def operations_table(ours: list[OpTimings], apollo: dict[str, Any], checks: dict[str, PlanCheck], kinds: dict[str, str]) -> str:
    rows = []
    for t in ours:
        a = apollo_op(apollo, t.name) or {}
        c = checks.get(t.name)
        a_cold = median(a.get("cold_ms", []))
        ours_cold = median(t.cold_ms)
        valid = "planning failed" if t.error else ("yes" if c and c.ok else f"NO ({len(c.problems)})" if c else "")
        rows.append([
            t.name, kinds.get(t.name, ""),
            "error" if t.error else str(t.fetches),
            a.get("error", "error")[:40] if "error" in a else str(a.get("fetches", "")),
            "" if c is None or c.same_services is None else ("yes" if c.same_services else "no"),
            _num(ours_cold), _num(p95(t.cold_ms)), _num(a_cold),
            "" if t.error or not a.get("cold_ms") else f"{ours_cold / a_cold:.2f}",
            valid,
        ])
    return table(
        ["operation", "kind", "fetches", "Apollo fetches", "same subgraphs", "cold ms", "p95 ms",
         "Apollo ms", "ours/Apollo", "fetches valid"],
        rows, {2, 3, 5, 6, 7, 8},
    )
