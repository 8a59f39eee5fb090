"""`python -m bench.domain`: the app's screens against the platform, without and with the entity cache.

Starts the stack `charter up --regions ams --data-dir D --port P` starts (the same code:
`infra.platform.start_platform`, with its embedded Redis and the entity cache on), plus a second
gateway on the same subgraphs without any cache. Each runs the same weighted mix (95 % reads,
5 % writes) from the same number of clients; then every distinct read of the cached run is asked
again (after the 1 s freshness bound) and compared with the database and with the uncached gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.domain.check import check_answers
from bench.domain.client import Client, Tally, headers, tail_report, watch_loop
from bench.domain.workload import GROUPS, QUERIES, DataSet, Picker
from bench.domain.writes import ProjectFacts

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- domain:start -->", "<!-- domain:end -->"

PACED = "entity cache, paced"  # the third mode: the cache at a fixed load, not at saturation


def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        sname, _, rest = series.partition("{")
        if sname == name and ",".join(sorted(p for p in rest.rstrip("}").split(",") if p)) == want:
            return float(value)
    return 0.0


async def _post(session: aiohttp.ClientSession, url: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with session.post(url, data=orjson.dumps({"query": query, "variables": variables or {}}), headers=headers()) as r:
        body = orjson.loads(await r.read())
    if body.get("errors"):
        raise RuntimeError(f"setup query failed: {body['errors']}")
    return body["data"]


async def load_data(session: aiohttp.ClientSession, url: str) -> DataSet:
    nations: list[tuple[str, str]] = []
    cursors: list[str | None] = [None]
    after = None
    while True:
        page = (await _post(session, url, "query($a: String) { nations(first: 20, after: $a) { edges { node { code name } } pageInfo { hasNextPage endCursor } } }", {"a": after}))["nations"]
        nations += [(e["node"]["code"], e["node"]["name"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        cursors.append(after)
    projects: list[str] = []
    facts: dict[str, ProjectFacts] = {}
    after = None
    while True:
        page = (await _post(session, url, "query($a: String) { projects(first: 100, after: $a) { edges { node { id status startDate endDate } } pageInfo { hasNextPage endCursor } } }", {"a": after}))["projects"]
        for e in page["edges"]:
            projects.append(e["node"]["id"])
            facts[e["node"]["id"]] = ProjectFacts.from_node(e["node"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return DataSet(nations, cursors, projects, facts)


async def run_mix(
    url: str, data: DataSet, clients: int, seconds: float, seed: int, auth: str | None = None, rate: float | None = None
) -> Tally:
    """The mix from `clients` clients: closed loop (each sends its next action when the last is
    answered), or paced at `rate` actions per second in all (latency from each action's due time)."""
    tally = Tally()
    writable = [data.facts[p] for p in data.projects[: max(clients, len(data.projects) // 5)]]
    owned = [writable[i::clients] for i in range(clients)]
    connector = aiohttp.TCPConnector(limit=clients * 2)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            watch_loop(tally, deadline),
            *(Client(session, url, Picker(data, seed * 1000 + i), owned[i], tally, i, auth).run(
                deadline, clients / rate if rate else None, i / rate if rate else 0.0)
              for i in range(clients)),
        )
    return tally


async def prime(url: str, data: DataSet, concurrency: int = 32) -> int:
    """Ask every screen variant once: the cache in its steady state (the app's data set is small
    enough to be cached whole), before the measured load."""
    picker = Picker(data, 0)
    variants: list[tuple[str, dict[str, Any]]] = (
        [("search", {"q": t}) for t in picker.terms]
        + [("list", {"after": c}) for c in data.cursors]
        + [("nation", {"code": c}) for c, _ in data.nations]
        + [("project", {"id": p}) for p in data.projects]
        + [("region", {"g": g}) for g in GROUPS]
    )
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(screen: str, variables: dict[str, Any]) -> None:
            async with gate, session.post(
                url, data=orjson.dumps({"query": QUERIES[screen], "variables": variables}), headers=headers()
            ) as r:
                await r.read()

        await asyncio.gather(*(one(s, v) for s, v in variants))
    return len(variants)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _metrics(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url.replace("/graphql", "/metrics")) as r:
        return await r.text()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from infra.devkey import ISSUER, JWKS_NAME, mint
    from infra.platform import UpOptions, start_platform, wait_healthy
    from infra.ports import free_port
    from infra.processes import ManagedProcess

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="charter-bench-domain-"))
    port = args.port or free_port()
    opts = UpOptions(regions=["ams"], port=port, subgraph_base_port=free_port(), data_dir=data_dir)
    async with contextlib.AsyncExitStack() as stack:
        running = await start_platform(opts, stack, lambda m: print(f"  up: {m}", flush=True))
        cached_url = running.graphql_url
        plain_port = free_port()
        plain = ManagedProcess(
            "gateway-nocache",
            [sys.executable, "-m", "charter", "gateway", "--supergraph", str(running.supergraph_path),
             "--routing", str(data_dir / "routing-ams.yaml"), "--port", str(plain_port), "--no-watch",
             # the same trust as the stack's own gateway: the writes' token is good for both
             "--jwks", str(data_dir / JWKS_NAME), "--jwt-issuer", ISSUER],
            log_path=data_dir / "logs" / "gateway-nocache.log",
        )
        stack.push_async_callback(plain.stop)
        await plain.start(None)
        await wait_healthy(f"http://127.0.0.1:{plain_port}/health", plain, within=60)
        plain_url = f"http://127.0.0.1:{plain_port}/graphql"
        async with aiohttp.ClientSession() as session:
            data = await load_data(session, plain_url)
        print(f"data: {len(data.nations)} nations, {len(data.cursors)} list pages, {len(data.projects)} projects, "
              f"{len(data.search_terms())} search terms", flush=True)
        # The clients' writes need the mutations' scopes; reads stay anonymous (shared cache entries).
        auth = mint(data_dir, ["projects:write", "metrics:write"], subject="bench-domain", ttl=6 * 3600)
        results: dict[str, Any] = {}
        seen: set[tuple[str, bytes]] = set()
        for mode, url in (("no cache", plain_url), ("entity cache", cached_url), (PACED, cached_url)):
            # The latency at a given load: the cache paced at the load its RPS target names (3x what
            # no cache achieved), where the closed loop above runs both cores at saturation.
            rate = 3 * results["no cache"]["rps"] if mode == PACED else None
            if mode == "entity cache":
                started = time.monotonic()
                n = await prime(url, data)
                print(f"{mode}: primed {n} screen variants in {time.monotonic() - started:.0f} s", flush=True)
            print(f"{mode}: {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured, {args.clients} clients", flush=True)
            await run_mix(url, data, args.clients, args.warmup, seed=1, auth=auth, rate=rate)
            async with aiohttp.ClientSession() as session:
                before = await _metrics(session, url)
            tally = await run_mix(url, data, args.clients, args.duration, seed=2, auth=auth, rate=rate)
            async with aiohttp.ClientSession() as session:
                after = await _metrics(session, url)

            def delta(name: str, **labels: str) -> float:
                return metric(after, name, **labels) - metric(before, name, **labels)  # noqa: B023

            hits = delta("charter_cache_requests_total", cache="entity", result="hit")
            misses = delta("charter_cache_requests_total", cache="entity", result="miss")
            errors = delta("charter_cache_requests_total", cache="entity", result="error")
            lookups = hits + misses + errors
            results[mode] = {
                "rate": rate,
                "requests": tally.requests,
                "rps": tally.requests / args.duration,
                "p50_ms": _pct(tally.latencies, 0.50),
                "p99_ms": _pct(tally.latencies, 0.99),
                "errors": len(tally.errors),
                "error_samples": tally.errors[:5],
                "writes": tally.writes,
                "refused_writes": len(tally.refused),
                "refused_samples": tally.refused[:5],
                "own_checks": tally.own_checks,
                "stale_own": len(tally.stale_own),
                "stale_samples": tally.stale_own[:5],
                "hit_rate": hits / lookups if lookups else None,
                "lookups": lookups,
                "redis_roundtrips_per_request": delta("charter_cache_redis_roundtrips_total") / tally.requests
                if tally.requests else 0.0,
                "by_screen": tally.by_screen,
                "tail": tail_report(tally),
            }
            print(f"  {orjson.dumps({k: v for k, v in results[mode].items() if k not in ('by_screen', 'tail')}).decode()}", flush=True)
            print(f"  tail: {orjson.dumps(results[mode]['tail']).decode()}", flush=True)
            if mode != "no cache":
                seen |= tally.reads_seen
        await asyncio.sleep(1.5)  # the freshness bound (1 s) has passed for every write
        cached_reads = Tally()
        cached_reads.reads_seen = seen
        checked, mismatches = await check_answers(cached_url, plain_url, running.primary_url, cached_reads)
        results["check"] = {"answers": checked, "mismatches": len(mismatches), "samples": mismatches[:5]}
        print(f"correctness: {checked} distinct answers re-read and compared, {len(mismatches)} mismatches", flush=True)
        for sample in mismatches[:5]:
            print(f"  mismatch: {sample[:600]}", flush=True)
    return results


def table(results: dict[str, Any], args: argparse.Namespace) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Domain benchmark, {when}: `charter up --regions ams`, {args.clients} clients, {args.duration:.0f} s "
        f"measured after {args.warmup:.0f} s warm-up per mode (the cached mode first asks every screen variant once), "
        f"{os.cpu_count()} CPUs shared with the load generator (machine load average {os.getloadavg()[0]:.1f} at the end)",
        "",
        "| mode | RPS | p50 ms | p99 ms | errors | writes | refused writes | own-write checks | stale own reads | entity hit rate | Redis round trips / request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("no cache", "entity cache", PACED):
        r = results[mode]
        hit = f"{r['hit_rate'] * 100:.1f} %" if r["hit_rate"] is not None else "-"
        rt = f"{r['redis_roundtrips_per_request']:.2f}" if mode != "no cache" else "-"
        label = f"entity cache, paced at {r['rate']:,.0f} actions/s (3x no cache)" if mode == PACED else mode
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['writes']} | "
            f"{r['refused_writes']} | "
            f"{r['own_checks']} | {r['stale_own']} | {hit} | {rt} |"
        )
    plain, cached, paced = results["no cache"], results["entity cache"], results[PACED]
    ratio = cached["rps"] / plain["rps"] if plain["rps"] else 0.0
    check = results["check"]
    targets = [
        ("hit rate >= 85 %", (cached["hit_rate"] or 0) >= 0.85, f"{(cached['hit_rate'] or 0) * 100:.1f} %"),
        ("0 stale reads of a client's own writes", cached["stale_own"] == 0 and plain["stale_own"] == 0,
         f"{cached['stale_own']} of {cached['own_checks']}"),
        # A write the subgraphs refuse (BAD_USER_INPUT) is a failed write, not part of the mix.
        ("every write accepted", plain["refused_writes"] == 0 and cached["refused_writes"] == 0,
         f"{cached['refused_writes']} of {cached['writes'] + cached['refused_writes']} refused with the cache, "
         f"{plain['refused_writes']} of {plain['writes'] + plain['refused_writes']} without"),
        (">= 3x the RPS of no cache", ratio >= 3, f"{ratio:.2f}x"),
        ("p99 < 100 ms (closed loop, both cores saturated)", cached["p99_ms"] < 100, f"{cached['p99_ms']:.1f} ms"),
        ("p99 < 100 ms paced at 3x the RPS of no cache", paced["p99_ms"] < 100 and paced["stale_own"] == 0,
         f"{paced['p99_ms']:.1f} ms at {paced['rps']:,.0f} RPS, {paced['stale_own']} stale own reads"),
        ("every answer matches the database after the run", check["mismatches"] == 0 and cached["errors"] == 0,
         f"{check['answers']} answers, {check['mismatches']} mismatches, {cached['errors']} errors"),
    ]
    lines.append("")
    for name, ok, got in targets:
        lines.append(f"- {name}: {'PASS' if ok else 'FAIL'} ({got})")
    return "\n".join(lines)


def command(args: argparse.Namespace) -> str:
    return (f".venv/bin/python -m bench.domain --duration {args.duration:g} --warmup {args.warmup:g} "
            f"--clients {args.clients}")


def write_readme(text: str, args: argparse.Namespace) -> None:
    readme = README.read_text()
    block = f"{START}\nCommand: `{command(args)}` (about 7 minutes)\n\n{text}\n{END}"
    if START in readme:
        readme = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, readme, flags=re.S)
    else:
        readme += f"\n## Domain benchmark (the app's screens, entity cache)\n\n{DESCRIPTION}\n\n{block}\n"
    README.write_text(readme)


DESCRIPTION = """`python -m bench.domain` starts the stack `charter up --regions ams` starts (own data dir and
ports; embedded Redis, entity cache on) plus a second gateway on the same subgraphs with no cache,
and drives both with the same mix of the app's screens: country selector search (20 %), country
list pages (20 %), country detail with projects (25 %), project detail with monthly metrics
(25 %), region stats (5 %), and 5 % writes (`updateProject`, `recordMetrics`) on projects each
client owns. Variables cover all 195 nations, every list page, all 540 projects and 450 search
prefixes. Each write is checked by reading the project back at once with the write's consistency
token (a stale answer is a stale read of the client's own write). The cached mode first asks every
screen variant once (a steady-state cache). After the run, every distinct read is asked again
through the cached gateway and compared with PostgreSQL (nations, projects, counts) and with the
uncached gateway reading at the primary's latest WAL position. Both modes run closed loop (each
client sends its next action when the last is answered), which keeps both cores saturated; a
third run paces the cached gateway at 3x the RPS the uncached one achieved, with each latency
counted from when its action was due, for the latency at that load."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.domain", description=__doc__)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--data-dir", default="", help="the stack's data dir (default: a new temp dir)")
    parser.add_argument("--port", type=int, default=0, help="the cached gateway's port (default: a free one)")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args))
    text = table(results, args)
    print(text)
    out = Path(tempfile.gettempdir()) / "charter-bench-domain.json"
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if not args.no_readme:
        write_readme(text, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
