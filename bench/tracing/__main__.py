"""`python -m bench.tracing`: what tracing costs the gateway, in one run.

The federation workload (bench/federation: four subgraphs, one nested query, 87.6 KB answers),
the Charter gateway with inbound dedup off (every request does all its work: validate, plan
lookup, ~a dozen subgraph fetches), in three modes, interleaved round by round:

- `off`: no OTLP endpoint; tracing is never set up (the hot path's cost: `tracer is None` checks);
- `sampled`: an endpoint and `--trace-sample-ratio` (default 0.01): spans for 1% of requests,
  non-recording spans and propagation for the rest;
- `on`: an endpoint, every request traced and exported.

Spans go by OTLP/HTTP to an in-process receiver (infra/otlp_receiver.py, decoding and counting
them): a real export over loopback. Each mode is loaded by wrk for `--duration` seconds after
`--warmup`; the medians are printed with their ratios to `off`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.federation.gateways import GATEWAYS, LaunchOptions
from bench.federation.load import LoadResult, ensure_wrk, parse_wrk_output, wrk_command, wrk_env
from bench.federation.runner import start_subgraphs, wait_ready
from bench.federation.workload import REPO_ROOT, Workload
from infra.otlp_receiver import OtlpReceiver
from infra.ports import free_port
from infra.processes import ProcessRegistry

MODES = ("off", "sampled", "on")


@dataclass
class ModeResult:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    requests: int = 0
    spans: int = 0
    errors: int = 0


@contextlib.contextmanager
def receiver_thread() -> Iterator[OtlpReceiver]:
    """The receiver on a loop of its own, beside the (blocking) benchmark."""
    receiver = OtlpReceiver(count_only=True)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(receiver.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="otlp-receiver", daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield receiver
    finally:
        asyncio.run_coroutine_threadsafe(receiver.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def mode_env(mode: str, receiver: OtlpReceiver, ratio: float) -> dict[str, str]:
    if mode == "off":
        return {"OTEL_SDK_DISABLED": "true"}
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    env["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio" if mode == "sampled" else "parentbased_always_on"
    if mode == "sampled":
        env["OTEL_TRACES_SAMPLER_ARG"] = repr(ratio)
    return env


def run(args: argparse.Namespace) -> int:
    workload = Workload.locate(None)
    wrk = ensure_wrk()
    work = REPO_ROOT / "bench" / "results" / f"tracing-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-logs"
    registry = ProcessRegistry(work)
    spec = GATEWAYS["charter"]  # inbound dedup off
    results = {m: ModeResult() for m in args.modes}
    started = time.monotonic()
    try:
        with receiver_thread() as receiver:
            _, base = start_subgraphs(registry, workload)
            supergraph = work / "supergraph.graphql"
            supergraph.write_text(workload.supergraph_for(base))
            for round_no in range(1, args.rounds + 1):
                for mode in args.modes:
                    port = free_port()
                    gateway = registry.start(
                        f"{mode}-round{round_no}", spec.command(supergraph, port, LaunchOptions()),
                        cwd=REPO_ROOT, env=mode_env(mode, receiver, args.ratio),
                    )
                    try:
                        url = f"http://127.0.0.1:{port}"
                        why = wait_ready(gateway, url, spec, 30)
                        if why:
                            print(f"{mode}: gateway did not start: {why}", file=sys.stderr)
                            return 1
                        _load(registry, wrk, url + spec.graphql_path, workload, args.connections, args.warmup, "warm")
                        before = receiver.received
                        load = _load(registry, wrk, url + spec.graphql_path, workload, args.connections,
                                     args.duration, f"{mode}-{round_no}")
                    finally:
                        registry.stop(gateway)  # SIGTERM: the gateway flushes its queued spans
                    r = results[mode]
                    r.rps.append(load.rps)
                    r.p50.append(load.p50_ms)
                    r.p99.append(load.p99_ms)
                    r.requests += load.requests
                    r.errors += load.errors + load.bad_bodies
                    r.spans += receiver.received - before  # includes the warm-up's last flushes: approximate
                    print(f"round {round_no} {mode}: {load.rps:,.0f} RPS, p50 {load.p50_ms:.1f} ms, "
                          f"p99 {load.p99_ms:.1f} ms", flush=True)
    finally:
        registry.close()
    print(report(args, results, time.monotonic() - started))
    return 0


def _load(
    registry: ProcessRegistry, wrk: str, url: str, workload: Workload, connections: int, seconds: float, name: str
) -> LoadResult:
    command = wrk_command(wrk, url, connections=connections, duration_s=seconds)
    process = registry.start(f"wrk-{name}", command, env=wrk_env(workload.payload_path))
    process.popen.wait(timeout=seconds + 60)
    registry.stop(process)
    return parse_wrk_output(process.log_path.read_text(errors="replace"))


def report(args: argparse.Namespace, results: dict[str, ModeResult], seconds: float) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    off = results.get("off")
    lines = [
        f"Tracing cost, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC: Charter gateway (dedup off), federation "
        f"workload, {args.connections} connections, {args.duration:g} s per mode after {args.warmup:g} s warm-up, "
        f"median of {args.rounds} interleaved rounds; sampled = ratio {args.ratio:g}",
        "",
        "| tracing | RPS | p50 ms | p99 ms | RPS vs off | p99 vs off | spans exported per request | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in results.items():
        rps, p50, p99 = med(r.rps), med(r.p50), med(r.p99)
        vs_rps = f"{rps / med(off.rps):.2f}x" if off and off.rps else "-"
        vs_p99 = f"{p99 / med(off.p99):.2f}x" if off and off.p99 else "-"
        per = f"{r.spans / r.requests:.2f}" if r.requests else "-"
        lines.append(f"| {mode} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {vs_rps} | {vs_p99} | {per} | {r.errors} |")
    lines += ["", f"Command: `.venv/bin/python -m bench.tracing {shlex.join(sys.argv[1:])}` ({seconds:.0f} s in all)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of measured load per mode and round")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--ratio", type=float, default=0.01, help="the sampled mode's ratio")
    parser.add_argument("--modes", type=lambda s: tuple(s.split(",")), default=MODES)
    args = parser.parse_args(argv)
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; choose from {', '.join(MODES)}")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
