"""Child process: load a supergraph, plan every operation once, report time and peak RSS.

Run apart from the benchmark so the peak RSS is that of a gateway that loaded this supergraph and
planned these operations, and nothing else (`python -m bench.planner.probe SUPERGRAPH OPS.json`).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    from gateway.operation import coerce_variables, select_operation
    from gateway.state import build_state

    sdl = Path(argv[0]).read_text()
    ops = json.loads(Path(argv[1]).read_text())
    base_kb = _rss_kb()  # interpreter + gateway imports, before the supergraph
    c0, t0 = time.process_time(), time.perf_counter()
    state = build_state(sdl)
    load_ms = (time.perf_counter() - t0) * 1000
    errors: dict[str, str] = {}
    t1 = time.perf_counter()
    for op in ops:
        try:
            prepared = state.documents.get(op["text"])
            operation = select_operation(prepared, None)
            variables = coerce_variables(state.api_schema, operation, op["variables"])
            state.planner.plan(prepared, None, variables)
        except Exception as e:  # counted, not fatal: the parent reports it
            errors[op["name"]] = f"{type(e).__name__}: {e}"
    plan_ms = (time.perf_counter() - t1) * 1000
    cpu_ms = (time.process_time() - c0) * 1000  # wall minus this: time the machine gave to others
    json.dump(
        {
            "load_ms": load_ms,
            "plan_all_ms": plan_ms,
            "load_and_plan_ms": load_ms + plan_ms,
            "load_and_plan_cpu_ms": cpu_ms,
            "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "base_rss_kb": base_kb,
            "errors": errors,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
