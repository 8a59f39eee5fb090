"""Simulated app clients: each picks screens by weight, keeps the consistency token of its last
write for a few seconds (as the app does), and checks every one of its own writes by reading the
project back at once: a stale answer there is a stale read of a client's own write."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.domain.workload import PROJECT, QUERIES, RECORD, UPDATE, Picker
from bench.domain.writes import ProjectFacts, point_time, update_input

# How long the app sends its last write's token: the gateway's freshness bound (every entry a
# write made stale is gone within 1 s), after which the cache serves the writer fresh answers too.
TOKEN_SECONDS = 1.0


def headers(token: str | None = None, auth: str | None = None) -> dict[str, str]:
    """Every request header the benchmark sends, built in this one place. `auth` is the bearer
    token writes carry (mutations need projects:write / metrics:write); reads go anonymous."""
    h = {"content-type": "application/json", "accept": "application/graphql-response+json"}
    if token:
        h["x-charter-consistency"] = token
    if auth:
        h["authorization"] = f"Bearer {auth}"
    return h


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    # (screen, carried a consistency token, seconds): where the tail comes from
    samples: list[tuple[str, bool, float]] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)  # the client's own event loop, late by (s)
    by_screen: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    writes: int = 0  # accepted
    refused: list[str] = field(default_factory=list)  # writes answered with errors: failures
    own_checks: int = 0
    stale_own: list[str] = field(default_factory=list)
    reads_seen: set[tuple[str, bytes]] = field(default_factory=set)  # (screen, variables JSON)

    @property
    def requests(self) -> int:
        return len(self.latencies)


async def watch_loop(tally: Tally, deadline: float, every: float = 0.05) -> None:
    """How late the load generator's own event loop wakes up: if it lags, its latencies measure
    itself, not the gateway."""
    while time.monotonic() < deadline:
        asked = time.perf_counter()
        await asyncio.sleep(every)
        tally.loop_lag.append(time.perf_counter() - asked - every)


def tail_report(tally: Tally) -> dict[str, Any]:
    """p50/p99 per (screen, token) group, and which groups the slowest 1 % of requests are."""
    groups: dict[str, list[float]] = {}
    for screen, token, seconds in tally.samples:
        groups.setdefault(f"{screen}{' +token' if token else ''}", []).append(seconds)

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else 0.0

    slowest = sorted(tally.samples, key=lambda s: s[2], reverse=True)[: max(1, len(tally.samples) // 100)]
    share: dict[str, int] = {}
    for screen, token, _ in slowest:
        key = f"{screen}{' +token' if token else ''}"
        share[key] = share.get(key, 0) + 1
    return {
        "groups": {k: {"n": len(v), "p50_ms": pct(v, 0.5), "p99_ms": pct(v, 0.99)} for k, v in sorted(groups.items())},
        "slowest_1pct": share,
        "client_loop_lag_ms": {"p50": pct(tally.loop_lag, 0.5), "p99": pct(tally.loop_lag, 0.99),
                               "max": pct(tally.loop_lag, 1.0)},
    }


class Client:
    def __init__(
        self, session: aiohttp.ClientSession, url: str, picker: Picker, owned: list[ProjectFacts], tally: Tally, n: int,
        auth: str | None = None,
    ) -> None:
        self.session = session
        self.auth = auth
        self.url = url
        self.picker = picker
        self.owned = owned
        self.tally = tally
        self.n = n
        self.token: str | None = None
        self.token_until = 0.0
        self.seq = 0
        # Paced runs: when the next action was due. Its first request's latency counts from then,
        # so a client running late (the previous answer was slow) shows the delay it caused
        # instead of hiding it (coordinated omission).
        self._due: float | None = None

    def _token(self) -> str | None:
        return self.token if self.token and time.monotonic() < self.token_until else None

    async def post(
        self, screen: str, query: str, variables: dict[str, Any], token: str | None, auth: str | None = None
    ) -> dict[str, Any] | None:
        started = time.perf_counter()
        if self._due is not None:
            started, self._due = min(started, self._due), None
        try:
            async with self.session.post(
                self.url, data=orjson.dumps({"query": query, "variables": variables}), headers=headers(token, auth)
            ) as r:
                raw = await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError) as e:
            self.tally.latencies.append(time.perf_counter() - started)
            self.tally.errors.append(f"{screen}: {e!r}")
            return None
        elapsed = time.perf_counter() - started
        self.tally.latencies.append(elapsed)
        self.tally.samples.append((screen, token is not None, elapsed))
        self.tally.by_screen[screen] = self.tally.by_screen.get(screen, 0) + 1
        body = orjson.loads(raw) if raw else {}
        if status != 200 or body.get("errors") or body.get("data") is None:
            self.tally.errors.append(f"{screen} {status}: {raw[:200]!r}")
            return None
        return body

    async def run(self, deadline: float, interval: float | None = None, phase: float = 0.0) -> None:
        """Actions back to back, or with `interval`, one every `interval` seconds (from `phase`)."""
        due = time.perf_counter() + phase
        while time.monotonic() < deadline:
            if interval is not None:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)  # pacing the load generator, not awaiting a result
                self._due = due
                due += interval
            screen = self.picker.screen()
            if screen in ("update", "record"):
                if self.owned:
                    await self.write(screen)
                continue
            variables = self.picker.variables(screen)
            self.tally.reads_seen.add((screen, orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)))
            await self.post(screen, QUERIES[screen], variables, self._token())

    async def write(self, screen: str) -> None:
        rng = self.picker.rng
        self.seq += 1
        now = dt.datetime.now(dt.UTC)
        # Points only where the project's window has a time at or before now (a project starting
        # next year takes none); a client owning no such project renames one instead.
        dated = [(p, t) for p in self.owned if (t := point_time(p, now)) is not None] if screen == "record" else []
        if screen == "record" and not dated:
            screen = "update"
        if screen == "update":
            project = rng.choice(self.owned)
            pid = project.id
            name = f"Project {pid} rev {self.n}.{self.seq}"
            update = update_input(project, name, rng)
            body = await self.post(screen, UPDATE, {"id": pid, "input": update}, None, self.auth)
        else:
            project, when = rng.choice(dated)
            pid = project.id
            value = float(self.n * 100_000 + self.seq)
            at = when.isoformat()
            points = [{"kind": "BENEFICIARIES", "value": value, "at": at}]
            body = await self.post(screen, RECORD, {"input": {"projectId": pid, "points": points}}, None, self.auth)
        if body is None:
            # refused (the subgraphs' input rules) or failed: counted as a failure in the report
            self.tally.refused.append(f"{screen} {pid}: {self.tally.errors[-1] if self.tally.errors else '?'}"[:300])
            return
        self.tally.writes += 1
        token = (body.get("extensions") or {}).get("consistencyToken")
        if token:
            self.token, self.token_until = token, time.monotonic() + TOKEN_SECONDS
        # The app shows the project right after saving it: that read must show the write.
        seen = await self.post("own-read", PROJECT, {"id": pid}, self._token())
        self.tally.own_checks += 1
        if seen is None:
            return
        shown = seen["data"]["project"]
        if screen == "update":
            progress = update.get("progress", shown["progress"])
            if shown["name"] != name or shown["progress"] != progress:
                self.tally.stale_own.append(f"{pid}: wrote {update}, read {shown['name']!r}/{shown['progress']}")
        else:
            month = at[:7]
            bucket = next(
                (b for b in shown["metrics"] if b["kind"] == "BENEFICIARIES" and b["start"].startswith(month)), None
            )
            if bucket is None or bucket["last"] != value:
                self.tally.stale_own.append(f"{pid}: recorded {value}, read {bucket}")
