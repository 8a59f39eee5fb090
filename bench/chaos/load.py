"""Bounded load: `workers` clients sending the app's screens in turn, at most `rate` requests per
second in all, each answer classified against the baseline (ok / failed / wrong)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.chaos.screens import SCREENS


@dataclass
class Sample:
    start: float  # monotonic
    seconds: float
    outcome: str  # ok | failed | wrong
    screen: str
    detail: str = ""


@dataclass
class Load:
    url: str
    baseline: dict[str, Any]
    workers: int = 6
    rate: float = 30.0
    samples: list[Sample] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.workers, force_close=False)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
            await asyncio.gather(*(self._worker(session, i) for i in range(self.workers)))

    def stop(self) -> None:
        self._stop.set()

    async def _worker(self, session: aiohttp.ClientSession, index: int) -> None:
        names = list(SCREENS)
        interval = self.workers / self.rate  # each worker's share of the rate
        next_at = time.monotonic() + index * interval / self.workers
        i = index
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(self._stop.wait(), delay)
                    return
                except TimeoutError:
                    pass
            next_at += interval
            name = names[i % len(names)]
            i += 1
            self.samples.append(await ask(session, self.url, name, self.baseline.get(name)))


async def ask(session: aiohttp.ClientSession, url: str, name: str, expected: Any) -> Sample:
    started = time.monotonic()
    try:
        async with session.post(url, json={"query": SCREENS[name]}) as r:
            raw = await r.read()
            status = r.status
    except (aiohttp.ClientError, TimeoutError) as e:
        return Sample(started, time.monotonic() - started, "failed", name, e.__class__.__name__)
    seconds = time.monotonic() - started
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Sample(started, seconds, "failed", name, f"HTTP {status}: not JSON")
    if status != 200 or body.get("errors"):
        first = (body.get("errors") or [{}])[0]
        code = (first.get("extensions") or {}).get("code", "")
        return Sample(started, seconds, "failed", name, f"HTTP {status} {code}: {str(first.get('message'))[:120]}")
    if expected is not None and body.get("data") != expected:
        return Sample(started, seconds, "wrong", name, "data differs from the baseline")
    return Sample(started, seconds, "ok", name)
