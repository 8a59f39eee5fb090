"""`python -m bench.planner.lookups`: the per-request cache lookups on their own, in ns per hit.

The document cache (one lookup per request, keyed by the document text) and the plan cache (one
per request, keyed by a tuple) are on every request's path; this times their hit paths alone, so a
change of their implementation can be compared before and after on the same machine. Each figure
is the best of several batches (the machine is shared: the best batch is the least disturbed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from graphql import build_schema

from gateway.operation import DocumentCache, Limits
from gateway.planner.cache import PlanCache

_SDL = "type Query { nation(code: ID!): Nation nations: [Nation!]! }\n" \
    "type Nation { code: ID! name: String! population: Int region: String }"


def _text(i: int) -> str:
    return (
        f"query Op{i}($code: ID!) {{\n  nation(code: $code) {{ code name population region }}\n"
        f"  nations {{ code name }}\n}}\n"
    )


def best_ns(fn: Callable[[], Any], calls: int, batches: int) -> float:
    best = float("inf")
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / calls)
    return best


def measure(calls: int = 20_000, batches: int = 25, entries: int = 500) -> dict[str, float]:
    schema = build_schema(_SDL)
    documents = DocumentCache(schema, Limits())
    texts = [_text(i) for i in range(entries)]
    for t in texts:
        documents.get(t)
    hot = texts[entries // 2]
    plans: PlanCache[int] = PlanCache(2048)
    keys = [(f"{i:064x}", f"Op{i}", (("skip", False),), frozenset[str]()) for i in range(entries)]
    for i, k in enumerate(keys):
        plans.put(k, i)
    key = keys[entries // 2]

    def never() -> int:
        raise AssertionError("a hit computes nothing")

    return {
        "document cache hit": best_ns(lambda: documents.get(hot), calls, batches),
        "plan cache hit": best_ns(lambda: plans.get_or_compute(key, never), calls, batches),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.planner.lookups", description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=25)
    args = parser.parse_args(argv)
    for name, ns in measure(args.calls, args.batches).items():
        print(f"{name}: {ns:.0f} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
