"""Subscription benchmark: N graphql-ws subscribers at 10 events/s, each event enriched from a
second subgraph, against the Charter gateway and Hive Gateway in the same run.

    .venv/bin/python -m bench.subscriptions --subscribers 5000 --hive-subscribers 200,300
    .venv/bin/python -m bench.subscriptions --subscribers 500 --gateways charter --duration 10

Per gateway and subscriber count: start the gateway alone, take its RSS, connect the clients
(`clients.mjs`: graphql-ws, one WebSocket each), measure for `--duration` seconds, then report
delivered events (each tick sent in the window, to every subscriber, at most 2 s late), p50/p99
delay (arrival - sentAt), RSS growth per subscriber and the gateway's CPU. Results go to stdout
and `bench/results/subscriptions-<time>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.federation.processes import tree_cpu_seconds, tree_rss_kb
from bench.subscriptions.subgraphs import PROJECTS_SDL, TICKS_SDL
from infra.ports import free_port
from infra.processes import ChildProcess
from infra.processes import spawn as infra_spawn
from infra.processes import wait_http as infra_wait_http

REPO = Path(__file__).resolve().parents[2]
NODE_TOOLS = REPO / "tools" / "node"
RESULTS = REPO / "bench" / "results"
TARGETS = {"subscribers": 5000, "p99_ms": 250.0, "delivered": 0.999, "rss_kb_per_subscriber": 30.0}


def _answers(response: httpx.Response) -> bool:
    return response.status_code < 500


def spawn(argv: list[str], log: Path) -> ChildProcess:
    return infra_spawn(Path(argv[0]).name, argv, log_path=log, cwd=REPO)


def wait_http(url: str, child: ChildProcess, timeout: float = 60, method: str = "GET") -> None:
    infra_wait_http(
        child, url, within=timeout, ready=_answers, method=method,
        json={"query": "{ __typename }"} if method == "POST" else None,
    )


def compose(port: int) -> str:
    from gateway.composition import SubgraphInput, compose

    result = compose([
        SubgraphInput("ticks", f"http://127.0.0.1:{port}/ticks", TICKS_SDL),
        SubgraphInput("projects", f"http://127.0.0.1:{port}/projects", PROJECTS_SDL),
    ])
    if result.supergraph_sdl is None:
        raise RuntimeError(f"the benchmark subgraphs do not compose: {result.errors}")
    return result.supergraph_sdl


def gateway_command(name: str, supergraph: Path, port: int) -> tuple[list[str], str]:
    if name == "hive":
        return [
            "node", str(NODE_TOOLS / "node_modules/@graphql-hive/gateway/dist/bin.js"), "supergraph", str(supergraph),
            "--config-path", str(REPO / "bench/peers/hive-subscriptions.config.mjs"),
            "--host", "127.0.0.1", "--port", str(port), "--fork", "1",
        ], f"http://127.0.0.1:{port}/healthcheck"
    return [
        str(REPO / ".venv/bin/charter"), "gateway", "--supergraph", str(supergraph), "--host", "127.0.0.1",
        "--port", str(port), "--no-watch", "--max-connections-per-client", "1000000", "--log-level", "warning",
    ], f"http://127.0.0.1:{port}/health"


def gateway_label(name: str) -> str:
    if name == "hive":
        version = json.loads((NODE_TOOLS / "node_modules/@graphql-hive/gateway/package.json").read_text())["version"]
        return f"Hive Gateway {version}"
    return "Charter gateway"


def run_coordinated(
    url: str, n: int, warmup: float, duration: float, client: str, processes: int, log: Path
) -> dict[str, Any] | None:
    """`processes` client processes (the load generator on more than one core) sharing one
    measurement window: each reports ready once its clients have their first events, all get the
    same window start, and their delays are merged into one distribution."""
    shares = [n // processes + (1 if i < n % processes else 0) for i in range(processes)]
    procs = [
        subprocess.Popen(
            ["node", str(REPO / "bench/subscriptions/clients.mjs"), url, str(NODE_TOOLS), str(k), str(warmup),
             str(duration), client, "coordinated"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(log.with_suffix(f".{i}.log"), "w"), text=True,  # noqa: SIM115
        )
        for i, k in enumerate(shares)
    ]
    try:
        for proc in procs:  # each prints {"ready": ...} once connected (bounded by its own warm-up)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line or not json.loads(line).get("ready"):
                return None
        window_at = int(time.time() * 1000) + 1000
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{window_at}\n")
            proc.stdin.flush()
        parts = []
        for proc in procs:
            out, _ = proc.communicate(timeout=duration + 120)
            parts.append(json.loads(out.strip().splitlines()[-1]))
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError, OSError) as e:
        print(f"client processes failed: {e!r}", file=sys.stderr)
        return None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    ranges = [(p["lo"], p["hi"]) for p in parts if p.get("hi") is not None and p["hi"] >= p["lo"]]
    ticks = (max(h for _, h in ranges) - min(lo for lo, _ in ranges) + 1) if ranges else 0
    counts: dict[int, int] = {}
    for part in parts:
        for ms, k in part["hist"]:
            counts[ms] = counts.get(ms, 0) + k
    bins = sorted(counts.items())
    delivered = sum(k for _, k in bins)

    def q(x: float) -> float | None:
        """The x-quantile of the merged delays (whole ms, rounded up: an upper bound)."""
        rank, seen = min(delivered - 1, int(x * delivered)), 0
        for ms, k in bins:
            seen += k
            if seen > rank:
                return float(ms)
        return None

    return {
        "subscribers": n, "connected": sum(p["connected"] for p in parts), "withEvents": sum(p["withEvents"] for p in parts),
        "errors": sum(p["errors"] for p in parts), "closedEarly": sum(p["closedEarly"] for p in parts),
        "ticksInWindow": ticks, "expected": ticks * n, "delivered": delivered,
        "deliveredRatio": delivered / (ticks * n) if ticks else 0.0,
        "p50": q(0.5), "p99": q(0.99), "max": float(bins[-1][0]) if bins else None,
        "connectSeconds": max(p["connectSeconds"] for p in parts), "clientProcesses": processes,
        "allArrivals": sum(p["allArrivals"] for p in parts),
    }


def measure(
    name: str, supergraph: Path, n: int, warmup: float, duration: float, logs: Path, client: str, processes: int = 1
) -> dict[str, Any]:
    port = free_port()
    argv, health = gateway_command(name, supergraph, port)
    gw = spawn(argv, logs / f"{name}-{n}.log")
    try:
        wait_http(health, gw)
        base = tree_rss_kb(gw.pid)
        peak = [base]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                peak[0] = max(peak[0], tree_rss_kb(gw.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu0 = tree_cpu_seconds(gw.pid)
        t0 = time.monotonic()
        url = f"ws://127.0.0.1:{port}/graphql"
        if processes > 1:
            merged = run_coordinated(url, n, warmup, duration, client, processes, logs / f"{name}-{n}-clients.log")
            if merged is None:
                return {"gateway": name, "subscribers": n, "status": "FAILED", "why": "a client process failed (see its log)"}
            result: dict[str, Any] = merged
        else:
            clients = subprocess.run(
                ["node", str(REPO / "bench/subscriptions/clients.mjs"), url, str(NODE_TOOLS),
                 str(n), str(warmup), str(duration), client],
                capture_output=True, text=True, timeout=warmup + duration + n / 50 + 120, check=False,
            )
            (logs / f"{name}-{n}-clients.log").write_text(clients.stderr)
            try:
                result = json.loads(clients.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                return {"gateway": name, "subscribers": n, "status": "FAILED", "why": clients.stderr[-500:]}
        wall = time.monotonic() - t0
        cpu = tree_cpu_seconds(gw.pid) - cpu0
        done.set()
        result.update({
            "gateway": name, "label": gateway_label(name), "status": "ok",
            "rss_base_mb": base / 1024, "rss_peak_mb": peak[0] / 1024,
            "rss_kb_per_subscriber": max(0, peak[0] - base) / max(1, result["connected"]),
            "gateway_cores": cpu / wall,
        })
        return result
    finally:
        gw.stop(10.0)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| gateway | subscribers | connected | delivered | p50 ms | p99 ms | RSS base → peak MB | KB per subscriber | gateway cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| {r['gateway']} | {r['subscribers']:,} | FAILED | | | | | | |")
            continue
        lines.append(
            f"| {r['label']} | {r['subscribers']:,} | {r['connected']:,} | {100 * r['deliveredRatio']:.2f} % | "
            f"{_ms(r['p50'])} | {_ms(r['p99'])} | "
            f"{r['rss_base_mb']:.0f} → {r['rss_peak_mb']:.0f} | {r['rss_kb_per_subscriber']:.1f} | {r['gateway_cores']:.2f} |"
        )
    ours = [r for r in rows if r["gateway"] == "charter" and r["status"] == "ok"]
    if ours:
        best = max(ours, key=lambda r: r["subscribers"])
        checks = [
            ("subscribers >= 5,000", best["subscribers"] >= TARGETS["subscribers"] and best["connected"] == best["subscribers"]),
            ("p99 < 250 ms", best["p99"] is not None and best["p99"] < TARGETS["p99_ms"]),
            (">= 99.9 % delivered", best["deliveredRatio"] >= TARGETS["delivered"]),
            ("<= 30 KB RSS per subscriber", best["rss_kb_per_subscriber"] <= TARGETS["rss_kb_per_subscriber"]),
        ]
        lines.append("")
        lines += [f"- {name} (at {best['subscribers']:,}): {'PASS' if ok else 'FAIL'}" for name, ok in checks]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", default="5000", help="comma-separated counts for the Charter gateway")
    parser.add_argument("--hive-subscribers", default="200,300", help="comma-separated counts for Hive Gateway")
    parser.add_argument("--gateways", default="charter,hive")
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds to wait for every client's first event")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument(
        "--client", choices=("graphql-ws", "raw"), default="graphql-ws",
        help="graphql-ws: the npm client per subscriber; raw: the same protocol over `ws`, lighter",
    )
    parser.add_argument(
        "--client-processes", type=int, default=1,
        help="split the subscribers over this many client processes sharing one window (a load generator on more than one core)",
    )
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    logs = RESULTS / f"subscriptions-{stamp}-logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    subgraphs = spawn([sys.executable, "-m", "bench.subscriptions.subgraphs", "--port", str(port), "--rate", str(args.rate)], logs / "subgraphs.log")
    rows: list[dict[str, Any]] = []
    started = time.time()
    try:
        wait_http(f"http://127.0.0.1:{port}/projects", subgraphs, method="POST")
        supergraph = logs / "supergraph.graphql"
        supergraph.write_text(compose(port))
        for name in args.gateways.split(","):
            counts = args.hive_subscribers if name == "hive" else args.subscribers
            for n in (int(c) for c in counts.split(",") if c):
                print(f"{name}: {n} subscribers ...", file=sys.stderr, flush=True)
                rows.append(measure(name, supergraph, n, args.warmup, args.duration, logs, args.client, args.client_processes))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        subgraphs.stop(10.0)
    header = (
        f"Subscription benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}: {args.rate:g} events/s, "
        f"{args.duration:g} s measured per run, each event enriched from a second subgraph, {args.client} clients "
        "(no permessage-deflate), "
        f"{os.cpu_count()} CPUs shared with the clients and the subgraphs"
    )
    text = header + "\n\n" + report(rows) + f"\n\nCommand: `.venv/bin/python -m bench.subscriptions {' '.join(sys.argv[1:])}`"
    print(text)
    (RESULTS / f"subscriptions-{stamp}.json").write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
