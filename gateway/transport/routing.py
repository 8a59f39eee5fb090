"""Where each subgraph is served: its endpoints (one per region), each with a circuit breaker,
a proven identity and a measured round-trip time.

Reads go to the local endpoint (the first listed) while its circuit is closed, otherwise to the
healthy endpoint with the lowest measured latency (file order until measured). Writes go to the
endpoint in the primary's region first. An endpoint whose circuit is open gets no traffic; the
health checker (gateway/transport/health.py) probes it and lets one trial request through
(half-open) once it answers again, so a region that comes back is used again without a restart.

The routing file (YAML or JSON), written by `charter up` (infra/platform.py):

    region: ams              # the gateway's own region (optional, informative)
    primary_region: ams      # where the primary database is: writes go there first (optional)
    subgraphs:
      nations:
        schema_hash: 9f2c...  # optional: an endpoint must prove it serves this SDL (sha256 hex)
        endpoints:
          - {url: http://127.0.0.1:4100/graphql, region: ams}
          - {url: http://127.0.0.1:4110/graphql, region: sin}
      metrics: [http://127.0.0.1:4102/graphql, http://127.0.0.1:4112/graphql]  # the short form

With `schema_hash` an endpoint is unverified (no traffic, no credentials) until a probe, sent
without any client header, sees the subgraph's name and that hash in its identity headers; after
a connection failure it has to prove itself again, so a process that took a dead subgraph's port
gets nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.transport.breaker import Breaker, State
from gateway.transport.failures import Failure
from gateway.transport.stats import FetchStats

log = logging.getLogger("charter.gateway.routing")

# Identity headers a subgraph instance sends on every response (subgraphs/common/identity.py).
SUBGRAPH_HEADER = "x-charter-subgraph"
SCHEMA_HEADER = "x-charter-schema-hash"
INSTANCE_HEADER = "x-charter-instance"

_RTT_WEIGHT = 0.3  # EWMA weight of the newest probe's round trip
_FORGET = frozenset({Failure.CONNECT, Failure.IMPOSTOR})
# A connection that breaks mid-answer is usually a keep-alive connection the server closed as we
# reused it (a race, not an outage): the request moves on, but the circuit opens only after this
# many in a row. A dead process is found by the refused connection that follows.
TRANSPORT_STRIKES = 3


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 1  # consecutive failures that open a circuit
    cooldown: float = 5.0  # seconds a circuit stays open before a trial may go through


@dataclass(eq=False)
class Endpoint:
    url: str
    region: str = ""
    index: int = 0  # position in the routing file: 0 is the local instance
    breaker: Breaker = field(default=None)  # type: ignore[assignment]  # set by the Router that owns the endpoint
    verified: bool = True  # identity proven (always True when the route expects none)
    instance: str = ""  # the instance id it last reported
    rtt_ms: float | None = None  # EWMA of probe round trips
    transport_strikes: int = 0  # consecutive broken connections (see TRANSPORT_STRIKES)
    last_failure: Failure | None = None
    # Queries waiting on this endpoint that have somewhere else to go: when its circuit opens
    # they are cancelled and move on at once, instead of each waiting out its own timeout.
    waiting: set[asyncio.Task[Any]] = field(default_factory=set)
    abandoned: set[asyncio.Task[Any]] = field(default_factory=set)

    def abandon_waiting(self) -> None:
        me = asyncio.current_task()  # the request that found it failing moves on by itself
        for task in self.waiting:
            if task is not me and task not in self.abandoned:
                self.abandoned.add(task)
                task.cancel()

    def healthy(self, now: float | None = None) -> bool:
        return self.breaker.state is State.CLOSED

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "healthy": self.healthy()}
        if self.region:
            out["region"] = self.region
        out["state"] = self.breaker.state.value if self.verified else "unverified"
        if self.rtt_ms is not None:
            out["rtt_ms"] = round(self.rtt_ms, 2)
        if self.instance:
            out["instance"] = self.instance
        if self.breaker.last_reason and self.breaker.state is not State.CLOSED:
            out["reason"] = self.breaker.last_reason
        return out

    @property
    def label(self) -> str:
        """The endpoint in metrics: its region, else its place in the routing file (bounded by the file)."""
        return self.region or str(self.index)

    def observe_rtt(self, ms: float) -> None:
        self.rtt_ms = ms if self.rtt_ms is None else (1 - _RTT_WEIGHT) * self.rtt_ms + _RTT_WEIGHT * ms


class Route:
    """One subgraph's endpoints and the orders requests try them in (recomputed on change only)."""

    def __init__(
        self, service: str, endpoints: list[Endpoint], policy: BreakerPolicy,
        schema_hash: str | None = None, primary_region: str = "",
    ) -> None:
        self.service = service
        self.endpoints = endpoints
        self.schema_hash = schema_hash
        self.primary_region = primary_region
        self._reads: list[Endpoint] = []
        self._writes: list[Endpoint] = []
        self._dirty = True
        self.any_open = False
        self.stats: FetchStats | None = None  # told about every circuit change (metrics)
        for i, e in enumerate(endpoints):
            e.index = i
            e.breaker = Breaker(policy.threshold, policy.cooldown, functools.partial(self._changed, e))
            if schema_hash:
                # Unproven until the first probe: no request (and no credential) goes there before.
                e.verified = False
                e.breaker.state = State.OPEN

    def _changed(self, endpoint: Endpoint) -> None:
        self._dirty = True
        if self.stats is not None:
            self.stats.breaker(self.service, endpoint.label, endpoint.breaker.state)

    def observe(self, stats: FetchStats) -> None:
        """Report every circuit's state to `stats` now and on each change."""
        self.stats = stats
        for e in self.endpoints:
            stats.breaker(self.service, e.label, e.breaker.state)

    def _recompute(self) -> None:
        self._dirty = False
        live = [e for e in self.endpoints if e.breaker.state is not State.OPEN]
        self.any_open = len(live) < len(self.endpoints)
        # The local instance first; then the nearest by measured latency (file order until measured).
        reads = sorted(live, key=lambda e: (e.index != 0, e.rtt_ms if e.rtt_ms is not None else 1e9, e.index))
        self._reads = reads
        self._writes = sorted(reads, key=lambda e: e.region != self.primary_region) if self.primary_region else reads

    def reorder(self) -> None:
        """New latency measurements: recompute the orders at the next request."""
        self._dirty = True

    def candidates(self, write: bool) -> list[Endpoint]:
        if self.any_open and not self._dirty and self._cooled_down():
            self._dirty = True
        if self._dirty:
            self._recompute()
        return self._writes if write else self._reads

    def _cooled_down(self) -> bool:
        """Without active health checks an open circuit half-opens when its cooldown ends."""
        now = time.monotonic()
        changed = False
        for e in self.endpoints:
            if e.verified and e.breaker.passive_recovery and e.breaker.cooled_down(now):
                e.breaker.half_open()
                changed = True
        return changed

    def last_resort(self) -> list[Endpoint]:
        """Every circuit is open: for a query, still try the proven endpoints that failed fast
        (refused, 5xx), never one that hung; so one spurious failure of the last healthy region
        does not fail requests until its next probe."""
        fast = [
            e for e in self.endpoints
            if e.verified and e.breaker.state is State.OPEN and e.last_failure is not Failure.TIMEOUT
        ]
        return sorted(fast, key=lambda e: (e.index != 0, e.rtt_ms if e.rtt_ms is not None else 1e9, e.index))

    def ordered(self) -> list[Endpoint]:
        """Every endpoint, those taking traffic first (for /health)."""
        live = self.candidates(False)
        return [*live, *(e for e in self.endpoints if e not in live)]

    # ------------------------------------------------------------------ outcomes
    def failed(self, endpoint: Endpoint, failure: Failure, detail: str) -> None:
        if failure is Failure.TRANSPORT:
            endpoint.transport_strikes += 1
            if endpoint.transport_strikes < TRANSPORT_STRIKES:
                return
        endpoint.last_failure = failure
        if failure in _FORGET and self.schema_hash:
            endpoint.verified = False
        if endpoint.breaker.failure(f"{failure.value}: {detail}"):
            endpoint.abandon_waiting()
            log.warning(
                "subgraph %s at %s: circuit open (%s: %s)", self.service, endpoint.url, failure.value, detail
            )

    def succeeded(self, endpoint: Endpoint) -> None:
        endpoint.transport_strikes = 0
        if endpoint.breaker.state is not State.CLOSED:
            log.info("subgraph %s at %s: circuit closed", self.service, endpoint.url)
        endpoint.breaker.success()

    def identity_ok(self, subgraph: str | None, schema_hash: str | None) -> bool:
        """A response's identity headers match what this route expects (always, when it expects none)."""
        if not self.schema_hash:
            return True
        return subgraph == self.service and schema_hash == self.schema_hash


class Routes:
    def __init__(
        self,
        table: dict[str, list[str]] | None = None,
        cooldown: float = 5.0,
        *,
        routes: dict[str, Route] | None = None,
        region: str = "",
        primary_region: str = "",
    ) -> None:
        self.policy = BreakerPolicy(cooldown=cooldown)
        self.region = region
        self.primary_region = primary_region
        self._routes: dict[str, Route] = dict(routes or {})
        for name, urls in (table or {}).items():
            if urls:
                self._routes[name] = Route(name, [Endpoint(u) for u in urls], self.policy)

    def __bool__(self) -> bool:
        return bool(self._routes)

    def get(self, service: str) -> Route | None:
        return self._routes.get(service)

    def all(self) -> list[Route]:
        return list(self._routes.values())

    def endpoints(self, service: str, default_url: str) -> list[Endpoint]:
        """Every endpoint of the service, those taking traffic first (or the supergraph's URL)."""
        route = self._routes.get(service)
        if route is None:
            return []
        return route.ordered()

    def observe(self, stats: FetchStats) -> None:
        for route in self._routes.values():
            route.observe(stats)

    def set_passive_recovery(self, on: bool) -> None:
        """Without active checks, a cooled-down circuit half-opens by itself (a real request is the trial)."""
        for route in self._routes.values():
            for e in route.endpoints:
                e.breaker.passive_recovery = on


def _endpoints(name: str, spec: Any, path: str | Path) -> tuple[list[Endpoint], str | None]:
    if isinstance(spec, list):
        entries, schema_hash = spec, None
    elif isinstance(spec, dict) and isinstance(spec.get("endpoints"), list):
        entries, schema_hash = spec["endpoints"], spec.get("schema_hash")
        if schema_hash is not None and not isinstance(schema_hash, str):
            raise ValueError(f"{path}: subgraphs.{name}.schema_hash must be a string")
    else:
        raise ValueError(f"{path}: subgraphs.{name} must be a list of URLs or {{endpoints: [...]}}")
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(Endpoint(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("url"), str):
            out.append(Endpoint(entry["url"], str(entry.get("region", ""))))
        else:
            raise ValueError(f"{path}: subgraphs.{name}: an endpoint is a URL or {{url: ..., region: ...}}")
    if not out:
        raise ValueError(f"{path}: subgraphs.{name} has no endpoints")
    return out, schema_hash


def load_routes(path: str | Path, cooldown: float = 5.0, threshold: int = 1) -> Routes:
    """Read a routing file (format in the module docstring)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    table = data.get("subgraphs", data if "subgraphs" not in data else None)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected `subgraphs: {{name: [url, ...]}}`")
    primary = str(data.get("primary_region") or "")
    policy = BreakerPolicy(threshold=threshold, cooldown=cooldown)
    routes = {}
    for name, spec in table.items():
        if name in ("region", "primary_region"):
            continue
        endpoints, schema_hash = _endpoints(str(name), spec, path)
        routes[str(name)] = Route(str(name), endpoints, policy, schema_hash, primary)
    out = Routes(cooldown=cooldown, routes=routes, region=str(data.get("region") or ""), primary_region=primary)
    out.policy = policy
    return out
