"""One chaos run: `charter up --regions ams,sin` (own data dir and port), a baseline of every
screen, then each fault in turn under load, measured, then recovery before the next."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.chaos.faults import FAULTS, Fault
from bench.chaos.load import Load, Sample
from bench.chaos.observe import Observer, View
from bench.chaos.screens import SCREENS
from infra.devkey import mint
from infra.ports import free_port
from infra.processes import ManagedProcess

HOME = "ams"
WRITE = 'mutation($n: String!) { updateProject(id: "prj-ams-007", input: {name: $n}) { name } }'
READ_NAME = '{ project(id: "prj-ams-007") { name } }'


@dataclass
class Options:
    faults: list[str]
    data_dir: Path | None = None
    port: int | None = None
    hold_s: float = 10.0  # how long a kill fault is watched before the next step
    freeze_s: float = 20.0
    steady_s: float = 3.0  # load before each fault, and after recovery
    workers: int = 6
    rate: float = 30.0
    recover_within: float = 120.0


@dataclass
class FaultResult:
    key: str
    title: str
    sent: int = 0
    failed: int = 0
    wrong: int = 0
    failed_after_detection: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    detect_s: float | None = None
    recover_s: float | None = None
    failures: list[str] = field(default_factory=list)

    def verdicts(self, frozen: bool) -> dict[str, bool]:
        out = {
            "0 wrong": self.wrong == 0,
            "detected < 2 s": self.detect_s is not None and self.detect_s < 2.0,
            "0 failed after detection": self.failed_after_detection == 0,
            "recovered": self.recover_s is not None,
        }
        if frozen:
            out["p99 < 1.5 s"] = self.p99_ms is not None and self.p99_ms < 1500
        return out


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _detects(fault: Fault) -> Any:
    if fault.database == "replica":
        return lambda v: any(r == "primary" for r in v.reads.values())
    if fault.database == "primary":
        return lambda v: v.processes.get("postgres-primary", "running") != "running"
    return lambda v: any(v.gateway.get(s, "closed") != "closed" for s in fault.subgraphs)


def _recovered(fault: Fault) -> Any:
    def all_running(v: View) -> bool:
        return bool(v.processes) and all(s == "running" for s in v.processes.values())

    if fault.database == "replica":
        return lambda v: all_running(v) and v.reads and all(r == "replica" for r in v.reads.values())
    if fault.database == "primary":
        return all_running
    return lambda v: all_running(v) and all(v.gateway.get(s) == "closed" for s in fault.subgraphs)


class Chaos:
    def __init__(self, opts: Options, say: Any = print) -> None:
        self.opts = opts
        self.say = say
        self.own_dir = opts.data_dir is None
        self.data_dir = opts.data_dir or Path(tempfile.mkdtemp(prefix="charter-chaos-"))
        self.port = opts.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.up: ManagedProcess | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.up = ManagedProcess(
            "charter-up",
            [sys.executable, "-m", "charter", "up", "--regions", f"{HOME},sin", "--port", str(self.port),
             "--subgraph-base-port", str(free_port()), "--data-dir", str(self.data_dir),
             # the faults are the subgraphs' and databases': entity-cache hits would hide them
             # (and starve a half-open circuit of its trial request)
             "--no-cache"],
            env=env, log_path=self.data_dir / "chaos-up.log", stop_signal=signal.SIGINT,
        )
        await self.up.start(r"supervising \d+ processes", within=240)

    async def stop(self) -> None:
        if self.up is not None:
            await self.up.stop(within=60)
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    async def baseline(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        out = {}
        for name, query in SCREENS.items():
            async with session.post(self.url, json={"query": query}) as r:
                body = orjson.loads(await r.read())
            if r.status != 200 or body.get("errors"):
                raise RuntimeError(f"baseline screen {name} failed: {body}")
            out[name] = body["data"]
        return out

    async def run(self) -> list[FaultResult]:
        await self.start()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                baseline = await self.baseline(session)
                async with session.post(self.url, json={"query": READ_NAME}) as r:
                    self.write_name = orjson.loads(await r.read())["data"]["project"]["name"]
                observer = Observer(self.url, self.data_dir, HOME)
                observer.start()
                load = Load(self.url, baseline, self.opts.workers, self.opts.rate)
                loader = asyncio.create_task(load.run())
                results = []
                try:
                    await asyncio.sleep(self.opts.steady_s)
                    for key in self.opts.faults:
                        results.append(await self.fault(FAULTS[key], load, observer, session))
                        await asyncio.sleep(self.opts.steady_s)
                finally:
                    load.stop()
                    await loader
                    await observer.stop()
                return results
        finally:
            await self.stop()

    async def _writes_work(self, session: aiohttp.ClientSession, within: float) -> float | None:
        """Once the primary is back, a write (the same name again: the data stays the baseline's) succeeds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                # writes need projects:write: a token signed with the stack's development key
                token = mint(self.data_dir, ["projects:write"], subject="chaos", ttl=600)
                async with session.post(
                    self.url, json={"query": WRITE, "variables": {"n": self.write_name}},
                    headers={"authorization": f"Bearer {token}"},
                ) as r:
                    body = orjson.loads(await r.read())
                if not body.get("errors"):
                    return time.monotonic()
            await asyncio.sleep(0.1)
        return None

    async def fault(self, fault: Fault, load: Load, observer: Observer, session: aiohttp.ClientSession) -> FaultResult:
        from charter.commands.status import collect

        report = await collect(self.data_dir)
        assert report is not None
        self.say(f"chaos: {fault.title}")
        detected = observer.when(_detects(fault))
        t0 = time.monotonic()
        pids = fault.inject(report)
        hold = self.opts.freeze_s if fault.hold else self.opts.hold_s
        recovered_at: float | None = None
        if fault.hold:
            await asyncio.sleep(hold)
            t1 = time.monotonic()
            fault.release(pids)
            start_recovery = t1
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(detected), hold)
            t1 = start_recovery = t0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(detected), 5)
        with contextlib.suppress(TimeoutError):
            recovered_at = await asyncio.wait_for(observer.when(_recovered(fault)), self.opts.recover_within)
        if recovered_at is not None and fault.database == "primary":
            recovered_at = await self._writes_work(session, self.opts.recover_within)
        if not fault.hold:
            # kills: keep the load on for the hold time (the restarted process serving again)
            remaining = t0 + hold - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)
        end = time.monotonic()
        t_detect = detected.result() if detected.done() else None
        window = [s for s in load.samples if t0 <= s.start <= end]
        during_end = t1 if fault.hold else (recovered_at or end)
        during = [s.seconds * 1000 for s in window if s.start <= during_end]
        failed = [s for s in window if s.outcome == "failed"]
        result = FaultResult(
            fault.key, fault.title, sent=len(window), failed=len(failed),
            wrong=sum(s.outcome == "wrong" for s in window),
            failed_after_detection=sum(1 for s in failed if t_detect is None or s.start > t_detect),
            p50_ms=_round(_percentile(during, 0.5)), p99_ms=_round(_percentile(during, 0.99)),
            detect_s=None if t_detect is None else round(t_detect - t0, 2),
            recover_s=None if recovered_at is None else round(recovered_at - start_recovery, 2),
            failures=_distinct(failed),
        )
        self.say(f"chaos:   {asdict(result)}")
        return result


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def _distinct(failed: list[Sample]) -> list[str]:
    seen: dict[str, int] = {}
    for s in failed:
        seen[s.detail] = seen.get(s.detail, 0) + 1
    return [f"{n} x {d}" for d, n in sorted(seen.items(), key=lambda kv: -kv[1])[:3]]


def table(results: list[FaultResult]) -> str:
    lines = [
        "| fault | sent | failed | wrong | failed after detection | p50 ms | p99 ms | detect s | recover s | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        v = r.verdicts(frozen=r.key == "freeze-subgraph")
        verdict = "PASS" if all(v.values()) else "FAIL: " + ", ".join(k for k, ok in v.items() if not ok)
        lines.append(
            f"| {r.title} | {r.sent} | {r.failed} | {r.wrong} | {r.failed_after_detection} | {_f(r.p50_ms)} | "
            f"{_f(r.p99_ms)} | {_f(r.detect_s)} | {_f(r.recover_s)} | {verdict} |"
        )
    return "\n".join(lines)


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:,}"


def passed(results: list[FaultResult]) -> bool:
    return all(all(r.verdicts(r.key == "freeze-subgraph").values()) for r in results)
