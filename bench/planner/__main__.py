"""`python -m bench.planner`: planner micro-benchmarks against Apollo's query planner, same run.

Workloads: the federation benchmark query on its supergraph, and the generated 100-subgraph
graph (bench/planner/generate.py) with its generated operations. Prints one summary table (ours,
Apollo's, the ratio, the performance issue's targets), one table per generated operation (fetch
counts against Apollo's, timings, fetch validity), and with --write-readme puts them in
bench/planner/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import peers
from .compose import HERE, node_available
from .measure import OpTimings, median, p95, time_workload
from .report import (
    TARGET_CACHED_US,
    TARGET_COLD_MS,
    TARGET_LARGE_MB,
    TARGET_LARGE_MS,
    Row,
    apollo_op,
    operations_table,
    summary_table,
)
from .validate import PlanCheck, PlanValidator
from .workloads import Workload, benchmark_query, large_graph

README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def log(msg: str) -> None:
    print(f"[planner-bench] {msg}", file=sys.stderr, flush=True)


def _nan_median(xs: list[float]) -> float:
    return median(xs) if xs else float("nan")


def bench_rows(w: Workload, ours: OpTimings, apollo: dict[str, Any] | None, load_ms: float) -> list[Row]:
    a = apollo_op(apollo, ours.name) if apollo else None
    name = w.name
    cold = median(ours.cold_ms)
    cached = median(ours.cached_us)
    return [
        Row(name, "cold plan, median", cold, _nan_median(a["cold_ms"]) if a else None, "ms",
            f"< {TARGET_COLD_MS:g} ms", cold < TARGET_COLD_MS),
        Row(name, "cold plan, p95", p95(ours.cold_ms), p95(a["cold_ms"]) if a else None, "ms"),
        Row(name, "cold plan on a fresh schema state (build_state untimed), median", median(ours.fresh_ms),
            None, "ms", f"< {TARGET_COLD_MS:g} ms", median(ours.fresh_ms) < TARGET_COLD_MS),
        Row(name, "cold plan from the text (parse, validate, plan), median", median(ours.from_text_ms),
            _nan_median(a["cold_with_parse_ms"]) if a else None, "ms"),
        Row(name, "first plan after loading the schema", ours.first_ms or float("nan"),
            a["first_ms"] if a else None, "ms"),
        Row(name, "cached plan lookup (planner.plan, warm cache)", cached, None, "µs",
            f"< {TARGET_CACHED_US:g} µs", cached < TARGET_CACHED_US),
        Row(name, "document cache hit (parse + validate skipped)", median(ours.doc_hit_us), None, "µs"),
        Row(name, "cached request to plan (document hit + operation + variables + plan hit; "
            "Apollo: sha256 + LRU get)", median(ours.request_us),
            _nan_median(apollo["cached_lookup_us"]) if apollo else None, "µs"),
        Row(name, "load the supergraph", load_ms, apollo["load_ms"] if apollo else None, "ms"),
    ]


def large_rows(w: Workload, timings: list[OpTimings], probe: dict[str, Any], apollo_probe: dict[str, Any] | None,
               apollo: dict[str, Any] | None, checks: dict[str, PlanCheck]) -> list[Row]:
    name = f"{w.name} ({len(w.operations)} ops)"
    ok = [t for t in timings if not t.error]
    medians = [median(t.cold_ms) for t in ok]
    a_ok = [o for o in (apollo or {}).get("operations", []) if "error" not in o]
    a_medians = [median(o["cold_ms"]) for o in a_ok if o["cold_ms"]]
    both = [t.name for t in ok if apollo and (apollo_op(apollo, t.name) or {}).get("cold_ms")]
    ours_both = sum(median(t.cold_ms) for t in ok if t.name in both)
    apollo_both = sum(median(apollo_op(apollo, n)["cold_ms"]) for n in both) if apollo else None  # type: ignore[index]
    load_plan = probe["load_and_plan_ms"]
    rss_mb = probe["max_rss_kb"] / 1024
    planned = len(w.operations) - len(probe["errors"])
    rows = [
        Row(name, "load the supergraph (fresh process)", probe["load_ms"],
            apollo_probe["load_ms"] if apollo_probe else None, "ms"),
        Row(name, f"plan every operation once right after loading ({planned}/{len(w.operations)} planned)",
            probe["plan_all_ms"],
            apollo_probe["load_and_plan_ms"] - apollo_probe["load_ms"] if apollo_probe else None, "ms",
            f"< {TARGET_LARGE_MS:,.0f} ms", probe["plan_all_ms"] < TARGET_LARGE_MS and not probe["errors"]),
        Row(name, "load + plan every operation once (fresh process)", load_plan,
            apollo_probe["load_and_plan_ms"] if apollo_probe else None, "ms",
            f"< {TARGET_LARGE_MS:,.0f} ms", load_plan < TARGET_LARGE_MS and not probe["errors"]),
        Row(name, "the same in CPU time (the rest of the wall time went to other processes)",
            probe["load_and_plan_cpu_ms"], apollo_probe["load_and_plan_cpu_ms"] if apollo_probe else None, "ms"),
        Row(name, "peak RSS of that process", rss_mb,
            apollo_probe["max_rss_kb"] / 1024 if apollo_probe else None, "MB",
            f"< {TARGET_LARGE_MB:g} MB", rss_mb < TARGET_LARGE_MB),
        Row(name, f"cold plan, median over operations of each one's median ({len(ok)} planned)",
            median(medians) if medians else float("nan"), median(a_medians) if a_medians else None, "ms"),
        Row(name, "cold plan, p95 of all samples", p95([x for t in ok for x in t.cold_ms]),
            p95([x for o in a_ok for x in o["cold_ms"]]) if a_ok else None, "ms"),
        Row(name, f"cold plans of the {len(both)} operations both planned, summed medians", ours_both,
            apollo_both, "ms"),
        Row(name, "cached plan lookup (planner.plan, warm cache), median over operations",
            median([median(t.cached_us) for t in ok]) if ok else float("nan"), None, "µs",
            f"< {TARGET_CACHED_US:g} µs",
            bool(ok) and median([median(t.cached_us) for t in ok]) < TARGET_CACHED_US),
    ]
    if checks:
        ours_f = sum(c.fetches for c in checks.values())
        theirs_f = sum(c.apollo_fetches or 0 for c in checks.values())
        rows.append(Row(name, "fetches in all plans (planned by both)", ours_f, theirs_f or None, ""))
    return rows


def run(args: argparse.Namespace) -> int:
    started = time.time()
    with_apollo = node_available("@apollo/query-planner") and not args.no_apollo
    if not with_apollo:
        log("Apollo's planner is not available (node or tools/node/node_modules): ours only")
    rows: list[Row] = []
    notes: list[str] = []

    log("benchmark query: timing ours")
    w = benchmark_query()
    planner, timings = time_workload(w.supergraph, w.operations, args.iterations)
    apollo = None
    if with_apollo:
        log("benchmark query: timing Apollo's planner")
        apollo = peers.apollo(w, "time", args.iterations, args.warmup, args.lookups, args.repeats)
    rows += bench_rows(w, timings[0], apollo, planner.load_ms)
    bench_check = PlanValidator(None).check(
        "TestQuery", planner.plan(w.operations[0]).plan, apollo_op(apollo, "TestQuery") if apollo else None)

    log("large graph: generating and composing")
    t0 = time.perf_counter()
    large = large_graph(args.seed, args.composer)
    compose_s = time.perf_counter() - t0
    notes += large.notes
    if with_apollo and large.graph is not None and not args.no_compose_check:
        log("large graph: composing with @apollo/composition too")
        notes.append(_compare_compositions(large))
    log("large graph: load + plan in a fresh process (ours" + (", Apollo's)" if with_apollo else ")"))
    probe = peers.our_probe(large)
    apollo_probe = peers.apollo(large, "probe") if with_apollo else None
    log(f"large graph: timing ours on {len(large.operations)} operations")
    lplanner, ltimings = time_workload(large.supergraph, large.operations, args.large_iterations,
                                       calls=args.lookups // 4, repeats=args.repeats)
    lapollo: dict[str, Any] = {}
    if with_apollo:
        log("large graph: timing Apollo's planner")
        lapollo = peers.apollo(large, "time", args.apollo_iterations, 1, args.lookups, args.repeats)
    log("large graph: validating the plans")
    validator = PlanValidator(large.graph)
    checks: dict[str, PlanCheck] = {}
    for op, t in zip(large.operations, ltimings, strict=True):
        if t.error:
            continue
        checks[op.name] = validator.check(op.name, lplanner.plan(op), apollo_op(lapollo, op.name) if lapollo else None)
    rows += large_rows(large, ltimings, probe, apollo_probe, lapollo or None, checks)

    failures = [t for t in ltimings if t.error]
    invalid = [c for c in checks.values() if not c.ok]
    differ = [c for c in checks.values() if c.apollo_fetches is not None and c.apollo_fetches != c.fetches]
    stats = large.graph.ownership if large.graph else None
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    version = (apollo or {}).get("version", "n/a")
    load = os.getloadavg()
    out = [
        f"Planner benchmark, {when}: Apollo query planner {version} (Node {_node_version()}) in the same run; "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the end; {args.iterations} timed cold plans of the "
        f"benchmark query, {args.large_iterations} (ours) / {args.apollo_iterations} (Apollo) per generated operation.",
        "",
        summary_table(rows),
        "",
        f"Generated graph (seed {args.seed}): {len(large.graph.subgraphs) if large.graph else '?'} subgraphs, "
        f"{_field_count(lplanner)} fields in the API schema, {len(stats.requires) if stats else 0} @requires, "
        f"{len(stats.provides) if stats else 0} @provides, {len(stats.interface_objects) if stats else 0} "
        f"@interfaceObject fields; {notes[0]} in {compose_s:.1f} s (generation included)"
        + "".join(f"; {n}" for n in notes[1:]) + ".",
        "",
        f"- benchmark query plan: {bench_check.fetches} fetches (Apollo: {bench_check.apollo_fetches}), "
        f"same subgraphs as Apollo: {bench_check.same_services}, fetch operations parse: {bench_check.ok}",
        f"- generated operations: {len(large.operations) - len(failures)}/{len(large.operations)} planned; "
        f"{len(checks) - len(invalid)}/{len(checks)} plans with every fetch valid against its subgraph's schema; "
        f"{len(checks) - len(differ)}/{len(checks)} with Apollo's fetch count",
    ]
    for t in failures:
        out.append(f"  - planning failed: {t.name}: {t.error}")
    bad_names = [p for c in invalid for p in c.problems if "invalid operation name" in p]
    if bad_names:
        out.append(f"  - {len(bad_names)} fetches in {sum(any('invalid operation name' in p for p in c.problems) for c in invalid)} "
                   f"plans have an operation name that does not parse, e.g. {bad_names[0].split(': ', 1)[1]}")
    for c in invalid:
        rest = [p for p in c.problems if "invalid operation name" not in p]
        if rest:
            out.append(f"  - invalid plan: {c.name}: {'; '.join(rest[:3])}")
    for c in differ:
        out.append(f"  - fetch count differs: {c.name}: ours {c.fetches}, Apollo {c.apollo_fetches}")
    out += ["", operations_table(ltimings, lapollo, checks, {o.name: o.kind for o in large.operations})]
    command = "`.venv/bin/python -m bench.planner" + (" " + " ".join(args.argv) if args.argv else "") + "`"
    out += ["", f"Command: {command} ({time.time() - started:.0f} s in all)"]
    text = "\n".join(out)
    print(text)
    if args.write_readme:
        _write_readme(text)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": [r.__dict__ for r in rows], "probe": probe, "apollo_probe": apollo_probe,
            "ours": [t.__dict__ for t in timings + ltimings], "apollo": [apollo, lapollo],
            "checks": {n: c.__dict__ for n, c in checks.items()},
        }, indent=1, default=str))
    return 0 if not failures and not invalid else 1


def _compare_compositions(large: Workload) -> str:
    """Our supergraph against Apollo's for the same subgraphs: line sets and API schemas."""
    from graphql import lexicographic_sort_schema, print_schema

    from gateway.state import build_state

    from .compose import compose_apollo

    assert large.graph is not None
    t0 = time.perf_counter()
    theirs = compose_apollo(large.graph)
    took = time.perf_counter() - t0
    if theirs.supergraph is None:
        return f"@apollo/composition failed: {theirs.errors[:2]}"
    ours_lines = {line.strip() for line in large.supergraph.splitlines()}
    their_lines = {line.strip() for line in theirs.supergraph.splitlines()}

    def api(sdl: str) -> str:
        return print_schema(lexicographic_sort_schema(build_state(sdl).api_schema))

    same_api = api(large.supergraph) == api(theirs.supergraph)
    return (f"@apollo/composition took {took:.1f} s: lines only in ours {len(ours_lines - their_lines)}, "
            f"only in Apollo's {len(their_lines - ours_lines)}, API schemas {'identical' if same_api else 'DIFFER'}")


def _field_count(p: Any) -> int:
    from graphql import GraphQLInterfaceType, GraphQLObjectType

    return sum(
        len(t.fields) for n, t in p.state.api_schema.type_map.items()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) and not n.startswith("__")
    )


def _node_version() -> str:
    import subprocess

    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "absent"


def _write_readme(text: str) -> None:
    readme = README.read_text()
    start, end = readme.index(START) + len(START), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.planner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=50, help="timed cold plans of the benchmark query")
    parser.add_argument("--large-iterations", type=int, default=10, help="timed cold plans per generated operation (ours)")
    parser.add_argument("--apollo-iterations", type=int, default=5, help="the same for Apollo's planner")
    parser.add_argument("--warmup", type=int, default=5, help="untimed plans before timing Apollo's (JIT warm-up)")
    parser.add_argument("--lookups", type=int, default=2000, help="calls per batch when timing cache hits")
    parser.add_argument("--repeats", type=int, default=7, help="batches of cache hits")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated graph")
    parser.add_argument("--composer", choices=("charter", "apollo"), default="charter")
    parser.add_argument("--no-apollo", action="store_true", help="ours only")
    parser.add_argument("--no-compose-check", action="store_true",
                        help="skip composing the large graph with @apollo/composition too")
    parser.add_argument("--write-readme", action="store_true", help="put the tables in bench/planner/README.md")
    parser.add_argument("--json", default=None, help="also write every number to this file")
    args = parser.parse_args(argv)
    args.argv = list(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
