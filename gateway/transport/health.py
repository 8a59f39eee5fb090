"""Active health checks: every `interval` each routed endpoint gets a cheap query (`{__typename}`)
with no client header at all (so no credentials), bounded by `timeout`.

A probe that fails opens the endpoint's circuit even when no client traffic goes there (a frozen
local instance is found before a client waits on it). A probe that passes on an open circuit
whose cooldown is over half-opens it: the next real request is the trial; if none comes before
the next probe (every answer a cache hit), that probe, passing, is the trial and closes it. A probe also proves the
endpoint's identity (its subgraph name and schema hash headers) and measures its round trip,
which orders the failover regions (nearest first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from gateway.transport.breaker import State
from gateway.transport.failures import Failure, classify_response
from gateway.transport.routing import (
    INSTANCE_HEADER,
    SCHEMA_HEADER,
    SUBGRAPH_HEADER,
    Endpoint,
    Route,
    Routes,
)

log = logging.getLogger("charter.gateway.health")

PROBE_BODY = b'{"query":"{__typename}"}'
_HEADERS = {"content-type": "application/json", "accept": "application/json"}


class HealthChecker:
    def __init__(self, routes: Routes, interval: float = 1.0, timeout: float = 1.0) -> None:
        self.routes = routes
        self.interval = interval
        self.timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 0.5))
        self.rounds = 0
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        routes.set_passive_recovery(False)

    async def start(self) -> None:
        """Probe once (so unverified endpoints are proven before the first request), then keep going."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=4), skip_auto_headers=("User-Agent",)
        )
        await self.check_all()
        self._task = asyncio.create_task(self._loop(), name="health-checks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check_all()
            except Exception:  # a bug in one round must not end health checking
                log.exception("health check round failed")

    async def check_all(self) -> None:
        await asyncio.gather(*(self.check(route, e) for route in self.routes.all() for e in route.endpoints))
        for route in self.routes.all():
            route.reorder()
        self.rounds += 1

    async def check(self, route: Route, endpoint: Endpoint) -> None:
        assert self._session is not None
        started = time.perf_counter()
        try:
            async with self._session.post(endpoint.url, data=PROBE_BODY, headers=_HEADERS, timeout=self.timeout) as r:
                raw = await r.read()
                status, headers = r.status, r.headers
        except TimeoutError:
            self._failed(route, endpoint, Failure.TIMEOUT, "health probe timed out")
            return
        except aiohttp.ClientConnectorError as e:
            self._failed(route, endpoint, Failure.CONNECT, f"health probe: {e}")
            return
        except aiohttp.ClientError as e:
            self._failed(route, endpoint, Failure.TRANSPORT, f"health probe: {e.__class__.__name__}")
            return
        failure = classify_response(status, raw)
        if failure is not None:
            self._failed(route, endpoint, failure, f"health probe: HTTP {status}")
            return
        if not route.identity_ok(headers.get(SUBGRAPH_HEADER), headers.get(SCHEMA_HEADER)):
            self._failed(
                route, endpoint, Failure.IMPOSTOR,
                f"health probe: serves {headers.get(SUBGRAPH_HEADER)!r} schema {headers.get(SCHEMA_HEADER)!r}",
            )
            return
        endpoint.observe_rtt((time.perf_counter() - started) * 1000)
        endpoint.transport_strikes = 0
        endpoint.instance = headers.get(INSTANCE_HEADER, "")
        breaker = endpoint.breaker
        if not endpoint.verified:
            endpoint.verified = True
            log.info("subgraph %s at %s: identity verified (instance %s)", route.service, endpoint.url,
                     endpoint.instance or "?")
            if breaker.state is State.OPEN and breaker.opened_at == 0.0:
                breaker.success()  # never served before: proven now, no trial needed
                return
        if breaker.state is State.HALF_OPEN and not breaker.trial_in_flight:
            # Half-opened by an earlier probe, and no request has come as its trial in a whole
            # interval (with the entity cache every answer may be a hit): this probe is the trial,
            # or the circuit would stay half-open, and out of the read order, for as long as
            # the cache answers.
            route.succeeded(endpoint)
            return
        if breaker.state is State.OPEN and breaker.cooled_down(time.monotonic()):
            breaker.half_open()

    def _failed(self, route: Route, endpoint: Endpoint, failure: Failure, detail: str) -> None:
        # A probe failing on an open circuit keeps it open (and restarts its cooldown).
        route.failed(endpoint, failure, detail)
