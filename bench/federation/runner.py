"""`python -m bench.federation`: subgraphs, each gateway in turn, checks, warm-up, wrk, a table.

Rounds are interleaved (A B C D, A B C D, ...) so that drift on a shared machine hits every gateway
alike; each gateway starts fresh in each round and is the only one running while measured.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from infra.ports import free_port
from infra.processes import ChildProcess as Started
from infra.processes import ProcessRegistry

from .check import check_answer
from .gateways import GATEWAYS, NODE_DIR, GatewaySpec, LaunchOptions, node_ready
from .load import LoadResult, ensure_wrk, parse_wrk_output, wrk_command, wrk_env
from .processes import RssSampler, machine_busy_cpu_seconds, tree_cpu_seconds
from .report import RoundResult, ratios, ratios_table, results_table, summarise, targets
from .workload import REPO_ROOT, Workload

DEFAULT_GATEWAYS = "apollo,hive,hive-dedup,charter,charter-dedup"
RESULTS_DIR = REPO_ROOT / "bench" / "results"
README = REPO_ROOT / "bench" / "README.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of load before measuring"
    )
    parser.add_argument("--gateways", default=DEFAULT_GATEWAYS, help="comma-separated, in order")
    parser.add_argument("--workload", help="directory of the shared federation workload")
    parser.add_argument("--charter-workers", type=int, help="pass --workers N to charter gateway")
    parser.add_argument("--hive-fork", type=int, default=1, help="Hive Gateway worker processes")
    parser.add_argument(
        "--sample-every",
        type=float,
        default=2.0,
        help="seconds between answer checks during load (0: none)",
    )
    parser.add_argument(
        "--no-body-scan",
        action="store_true",
        help="don't scan every answer under load for errors in wrk (wrk uses ~0.1 core per 1000 RPS with it)",
    )
    parser.add_argument("--ready-timeout", type=float, default=90.0)
    parser.add_argument(
        "--update-readme", action="store_true", help="put the table into bench/README.md"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.gateways.split(",") if n.strip()]
    unknown = [n for n in names if n not in GATEWAYS]
    if unknown or not names:
        parser.error(f"unknown gateways {unknown}; choose from {', '.join(GATEWAYS)}")
    if args.rounds < 1 or args.connections < 1 or args.duration <= 0:
        parser.error("--rounds, --connections and --duration must be positive")
    args.gateway_specs = [GATEWAYS[n] for n in names]
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Bench:
    args: argparse.Namespace
    workload: Workload
    registry: ProcessRegistry
    wrk: str
    supergraph: Path
    subgraphs_pid: int

    def run_gateway(self, spec: GatewaySpec, round_no: int) -> RoundResult:
        result = RoundResult(spec.name, round_no)
        if spec.needs_node() and not node_ready():
            result.reason = "node or tools/node/node_modules is missing"
            return result
        port = free_port()
        options = LaunchOptions(self.args.charter_workers, self.args.hive_fork)
        command = spec.command(self.supergraph, port, options)
        gateway = self.registry.start(
            f"{spec.name}-round{round_no}", command, cwd=REPO_ROOT, env=spec.env()
        )
        try:
            self._measure(spec, gateway, f"http://127.0.0.1:{port}", result)
        finally:
            self.registry.stop(gateway)
        return result

    def _measure(self, spec: GatewaySpec, gateway: Started, base: str, result: RoundResult) -> None:
        why_not = wait_ready(gateway, base, spec, self.args.ready_timeout)
        if why_not:
            result.reason = why_not
            return
        url = base + spec.graphql_path
        before = check_answer(url, self.workload.payload, self.workload.expected)
        result.checks += 1
        if not before.ok:
            result.mismatches += 1
            result.reason = f"answer before load: {before.detail}"
            return
        sampler = RssSampler(gateway.pid)
        if self.args.warmup > 0:
            self._drive(url, self.args.warmup, sampler, result=None, name=f"{gateway.name}-warmup")
        usage = CpuUsage(gateway.pid, self.subgraphs_pid)
        load = self._drive(
            url, self.args.duration, sampler, result=result, name=f"{gateway.name}-load", cpu=usage
        )
        after = check_answer(url, self.workload.payload, self.workload.expected)
        result.checks += 1
        sampler.sample()
        result.peak_rss_mb = sampler.peak_kb / 1024
        if load is None:
            return
        result.rps, result.p50_ms, result.p99_ms = load.rps, load.p50_ms, load.p99_ms
        result.errors = load.errors
        result.mismatches += load.bad_bodies + (0 if after.ok else 1)
        result.load = load.as_dict()
        if not after.ok:
            result.reason = f"answer after load: {after.detail}"
        elif result.mismatches:
            result.reason = f"{result.mismatches} wrong answers under load"
        result.ok = result.mismatches == 0 and gateway.alive()
        if not gateway.alive():
            result.reason = f"gateway exited during load: {_last_words(gateway)}"

    def _drive(
        self,
        url: str,
        seconds: float,
        sampler: RssSampler,
        *,
        result: RoundResult | None,
        name: str,
        cpu: CpuUsage | None = None,
    ) -> LoadResult | None:
        """Run wrk for `seconds`, sampling RSS (and answers, when measuring) meanwhile."""
        command = wrk_command(self.wrk, url, connections=self.args.connections, duration_s=seconds)
        env = wrk_env(self.workload.payload_path, body_scan=not self.args.no_body_scan)
        wrk = self.registry.start(f"wrk-{name}", command, env=env)
        with self._answer_sampling(url, result):
            deadline = time.monotonic() + seconds + 30  # bounded even if wrk hangs
            while wrk.alive() and time.monotonic() < deadline:
                sampler.sample()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    wrk.popen.wait(timeout=0.25)
            if cpu is not None and result is not None:
                result.cpu_cores = cpu.cores()  # now: before waiting for a slow sampled answer
        if wrk.alive():
            self.registry.stop(wrk)
            if result is not None:
                result.reason = "wrk did not finish in time"
            return None
        self.registry.stop(wrk)
        try:
            return parse_wrk_output(wrk.log_path.read_text(errors="replace"))
        except ValueError as error:
            if result is not None:
                result.reason = str(error)[:300]
            return None

    @contextlib.contextmanager
    def _answer_sampling(self, url: str, result: RoundResult | None) -> Iterator[None]:
        """Compare a whole answer with expected.json every few seconds while wrk runs."""
        every = self.args.sample_every
        if result is None or every <= 0:
            yield
            return
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(every):
                check = check_answer(url, self.workload.payload, self.workload.expected)
                result.checks += 1
                if not check.ok:
                    result.mismatches += 1
                    result.reason = result.reason or f"answer under load: {check.detail}"

        thread = threading.Thread(target=sample, name="answer-sampler", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=20)


class CpuUsage:
    """Who used the cores from now to `cores()`, in cores (1.0 = one core busy all along): shows
    that the subgraphs and wrk are not the bottleneck, and how much else ran on the machine."""

    def __init__(self, gateway_pid: int, subgraphs_pid: int) -> None:
        self.pids = {"gateway": gateway_pid, "subgraphs": subgraphs_pid}
        self.start = time.monotonic()
        self.before = self._now()

    def _now(self) -> dict[str, float]:
        now = {name: tree_cpu_seconds(pid) for name, pid in self.pids.items()}
        # wrk is our child and is reaped when it ends: its CPU time shows in RUSAGE_CHILDREN.
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        now["wrk"] = usage.ru_utime + usage.ru_stime
        now["machine"] = machine_busy_cpu_seconds()
        return now

    def cores(self) -> dict[str, float]:
        wall = max(time.monotonic() - self.start, 1e-6)
        now = self._now()
        used = {name: (now[name] - self.before[name]) / wall for name in now}
        machine = used.pop("machine")
        used["others"] = max(0.0, machine - sum(used.values()))
        return used


def wait_ready(gateway: Started, base: str, spec: GatewaySpec, timeout: float) -> str:
    """'' once the gateway answers its health check, else why it never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not gateway.alive():
            return f"exited with code {gateway.popen.returncode}: {_last_words(gateway)}"
        if _responds(base, spec.health_path, spec.graphql_path):
            return ""
        with contextlib.suppress(subprocess.TimeoutExpired):
            gateway.popen.wait(timeout=0.2)  # wakes at once if it dies
    return f"not ready after {timeout:.0f} s: {_last_words(gateway)}"


def _last_words(started: Started) -> str:
    """The last lines of a process's log on one line (a traceback's last line says the most)."""
    lines = [ln.strip() for ln in started.log_tail(3).splitlines() if ln.strip()]
    return " | ".join(lines)[-400:] or "(no output)"


def _responds(base: str, health_path: str | None, graphql_path: str) -> bool:
    host_port = base.removeprefix("http://")
    connection = http.client.HTTPConnection(host_port, timeout=2)
    try:
        if health_path:
            connection.request("GET", health_path)
        else:
            connection.request(
                "POST",
                graphql_path,
                body=b'{"query":"{ __typename }"}',
                headers={"content-type": "application/json"},
            )
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def ensure_node_modules() -> None:
    """Install the npm peers when missing (never while another npm install runs)."""
    if node_ready():
        return
    busy = subprocess.run(["pgrep", "-f", "npm (install|ci)"], capture_output=True, check=False)
    if busy.returncode == 0:
        log("npm is already installing in tools/node; peers will be reported FAILED if missing")
        return
    lock = NODE_DIR / "package-lock.json"
    command = [
        "npm",
        "ci" if lock.exists() else "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]
    log(f"installing npm peers: {' '.join(command)} (in {NODE_DIR})")
    subprocess.run(command, cwd=NODE_DIR, check=False)


def start_subgraphs(registry: ProcessRegistry, workload: Workload) -> tuple[Started, str]:
    port = free_port()
    command = [
        sys.executable, "-m", "bench.federation.subgraphs",
        "--port", str(port), "--workload", str(workload.directory),
    ]  # fmt: skip
    started = registry.start("subgraphs", command, cwd=REPO_ROOT)
    base = f"http://127.0.0.1:{port}"
    spec = GatewaySpec(
        "subgraphs", ours=False, dedup=False, graphql_path="/", health_path="/health"
    )
    why_not = wait_ready(started, base, spec, 30)
    if why_not:
        raise RuntimeError(f"subgraphs did not start: {why_not}")
    return started, base


def machine_info() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "node": node.stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workload = Workload.locate(args.workload)
    wrk = ensure_wrk()
    if any(spec.needs_node() for spec in args.gateway_specs):
        ensure_node_modules()
    started_at = dt.datetime.now(dt.UTC)
    work_dir = args.results_dir / f"federation-{started_at:%Y%m%dT%H%M%SZ}-logs"
    registry = ProcessRegistry(work_dir)
    # SIGTERM ends the run like Ctrl-C does: through the `finally` that stops what we started.
    # SIGINT too: a shell's background job inherits it ignored, and Python then never raises.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupt)
    t0 = time.monotonic()
    try:
        info = machine_info()
        subgraphs, base = start_subgraphs(registry, workload)
        supergraph = work_dir / "supergraph.graphql"
        supergraph.write_text(workload.supergraph_for(base))
        bench = Bench(args, workload, registry, wrk, supergraph, subgraphs.pid)
        results: dict[str, list[RoundResult]] = {spec.name: [] for spec in args.gateway_specs}
        for round_no in range(1, args.rounds + 1):
            for spec in args.gateway_specs:
                log(f"round {round_no}/{args.rounds}: {spec.name} ...")
                outcome = bench.run_gateway(spec, round_no)
                results[spec.name].append(outcome)
                log("  " + _describe(outcome))
    except KeyboardInterrupt:
        log("interrupted: stopping everything this run started")
        return 130
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        registry.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(
                signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler
            )

    summaries = [summarise(s.name, s.label(), results[s.name]) for s in args.gateway_specs]
    ratio_rows = ratios(summaries)
    shown = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--update-readme"]
    command = ".venv/bin/python -m bench.federation " + shlex.join(shown)
    lines = [
        f"Federation benchmark, {started_at:%Y-%m-%d %H:%M} UTC: {args.connections} connections, "
        f"{args.duration:g} s per round after {args.warmup:g} s warm-up, median of "
        f"{args.rounds} interleaved rounds, {info['cpus']} CPUs ({info['cpu_model']})",
        "",
        results_table(summaries),
        "",
        ratios_table(ratio_rows),
        "",
        *targets(summaries, ratio_rows),
        *[f"- {s.gateway} FAILED: {s.reason}" for s in summaries if s.failed],
        _helpers_line(results),
        "",
        f"Command: `{command.strip()}` ({time.monotonic() - t0:.0f} s in all)",
    ]
    report = "\n".join(lines)
    print(report)
    if args.update_readme:
        update_readme(README, report)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"federation-{started_at:%Y%m%dT%H%M%SZ}.json"
    out.write_bytes(
        orjson.dumps(
            {
                "command": command.strip(),
                "started_at": started_at.isoformat(),
                "seconds": time.monotonic() - t0,
                "settings": {
                    k: v for k, v in vars(args).items() if k not in ("gateway_specs", "results_dir")
                },
                "machine": info,
                "subgraphs_url": base,
                "summaries": [s.as_dict() for s in summaries],
                "ratios": ratio_rows,
                "rounds": {name: [r.as_dict() for r in rs] for name, rs in results.items()},
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    log(f"results written to {out}; process logs in {work_dir}")
    return 0


def _helpers_line(results: dict[str, list[RoundResult]]) -> str:
    """How busy the helpers were: wrk and the subgraphs must leave the cores to the gateway."""
    used = [r.cpu_cores for rounds in results.values() for r in rounds if r.cpu_cores]
    if not used:
        return ""
    wrk = max(u["wrk"] for u in used)
    subgraphs = max(u["subgraphs"] for u in used)
    others = statistics.median(u["others"] for u in used)
    return (
        f"- during the measured loads, at most: wrk {wrk:.2f} cores, subgraphs {subgraphs:.2f} "
        f"cores (of {len(os.sched_getaffinity(0))}); other processes on the machine: "
        f"{others:.2f} cores (median)"
    )


def update_readme(path: Path, report: str) -> None:
    """Replace the text between the README's results markers with this run's report."""
    text = path.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    head, found, rest = text.partition(start)
    _old, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"{path} lacks the {start} ... {end} markers")
    path.write_text(f"{head}{start}\n{report}\n{end}{tail}")


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _describe(result: RoundResult) -> str:
    if not result.load:
        return f"FAILED: {result.reason}"
    status = "ok" if result.ok else f"FAILED: {result.reason}"
    cores = ", ".join(f"{k} {v:.2f}" for k, v in result.cpu_cores.items())
    return (
        f"{result.rps:,.0f} RPS, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"{result.errors} errors, {result.mismatches} mismatches in {result.checks} checks, "
        f"peak RSS {result.peak_rss_mb:.0f} MB, CPU cores used: {cores}: {status}"
    )
