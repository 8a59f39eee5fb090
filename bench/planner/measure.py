"""Our planner, timed in-process: cold plans, cached plans, document-cache hits.

"Cold" means planning from scratch on a loaded schema: the plan cache is emptied before each
timed `QueryPlanner.plan` (the planner's front door; the supergraph's own memo tables stay warm,
as they do in a serving gateway; Apollo's planner is timed the same way, on a planner that has
planned before). Cached lookups are timed in batches, since one lookup is close to the clock's
resolution.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.operation import DocumentCache, Limits, coerce_variables, select_operation
from gateway.plan.nodes import QueryPlan
from gateway.state import SchemaState, build_state

from .workloads import Op

# Fresh-state cold plans only where building a state is cheap (not for the 100-subgraph graph).
FRESH_STATE_MAX_LOAD_MS = 200.0


@dataclass
class OpTimings:
    name: str
    first_ms: float | None = None  # the first plan after loading the schema
    cold_ms: list[float] = field(default_factory=list)  # planner.plan, plan cache emptied
    fresh_ms: list[float] = field(default_factory=list)  # planner.plan on a fresh build_state
    from_text_ms: list[float] = field(default_factory=list)  # parse + validate + planner.plan
    cached_us: list[float] = field(default_factory=list)  # planner.plan on a warm cache, per call
    doc_hit_us: list[float] = field(default_factory=list)  # DocumentCache.get hit, per call
    request_us: list[float] = field(default_factory=list)  # doc hit + select + coerce + planner.plan
    fetches: int = 0
    error: str | None = None


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def _per_call_us(fn: Callable[[], Any], calls: int, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        out.append((time.perf_counter_ns() - t0) / calls / 1000)
    return out


class OurPlanner:
    def __init__(self, sdl: str) -> None:
        self.sdl = sdl
        t0 = time.perf_counter()
        self.state: SchemaState = build_state(sdl)
        self.load_ms = (time.perf_counter() - t0) * 1000

    def plan(self, op: Op) -> QueryPlan:
        prepared = self.state.documents.get(op.text)
        if prepared.errors:
            raise ValueError(prepared.errors[0].message)
        operation = select_operation(prepared, None)
        variables = coerce_variables(self.state.api_schema, operation, op.variables)
        plan = self.state.planner.plan(prepared, None, variables)
        assert plan is not None
        return plan

    def time_op(self, op: Op, iterations: int, calls: int, repeats: int) -> OpTimings:
        timings = OpTimings(op.name)
        state = self.state
        planner = state.planner
        try:
            t0 = time.perf_counter_ns()
            entry = self.plan(op)
            timings.first_ms = (time.perf_counter_ns() - t0) / 1e6
        except Exception as e:  # reported per operation; the run goes on
            timings.error = f"{type(e).__name__}: {e}"
            return timings
        timings.fetches = entry.fetch_count
        prepared = state.documents.get(op.text)
        operation = select_operation(prepared, None)
        variables = coerce_variables(state.api_schema, operation, op.variables)
        for _ in range(iterations):
            state.plans._entries.clear()
            t0 = time.perf_counter_ns()
            planner.plan(prepared, None, variables)
            timings.cold_ms.append((time.perf_counter_ns() - t0) / 1e6)
        if self.load_ms < FRESH_STATE_MAX_LOAD_MS:
            for _ in range(iterations):
                # everything the planner memoises per schema starts empty
                fresh_state = build_state(self.sdl)
                fresh_prepared = fresh_state.documents.get(op.text)
                t0 = time.perf_counter_ns()
                fresh_state.planner.plan(fresh_prepared, None, variables)
                timings.fresh_ms.append((time.perf_counter_ns() - t0) / 1e6)
        for _ in range(iterations):
            state.plans._entries.clear()
            fresh = DocumentCache(state.api_schema, Limits())
            t0 = time.perf_counter_ns()
            p = fresh.get(op.text)
            o = select_operation(p, None)
            planner.plan(p, None, coerce_variables(state.api_schema, o, op.variables))
            timings.from_text_ms.append((time.perf_counter_ns() - t0) / 1e6)
        planner.plan(prepared, None, variables)  # warm again
        text = op.text
        timings.cached_us = _per_call_us(lambda: planner.plan(prepared, None, variables), calls, repeats)
        timings.doc_hit_us = _per_call_us(lambda: state.documents.get(text), calls, repeats)

        def request() -> None:
            p = state.documents.get(text)
            o = select_operation(p, None)
            planner.plan(p, None, coerce_variables(state.api_schema, o, op.variables))

        timings.request_us = _per_call_us(request, calls, repeats)
        return timings


def time_workload(sdl: str, ops: list[Op], iterations: int, calls: int = 2000, repeats: int = 7) -> tuple[OurPlanner, list[OpTimings]]:
    gc.collect()
    planner = OurPlanner(sdl)
    return planner, [planner.time_op(op, iterations, calls, repeats) for op in ops]
