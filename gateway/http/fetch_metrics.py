"""Per-subgraph fetch series: count by outcome, latency, and each endpoint's circuit state.

Implements `gateway.transport.stats.FetchStats`. Label children are bound once per subgraph (the
transport keeps the recorder), so a fetch costs one counter and one histogram update, no lookup.
Subgraph names come from the schema and endpoints from the routing file: both bounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gateway.transport.breaker import State
from gateway.transport.stats import OUTCOMES

FETCH_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_STATES = tuple(s.value for s in State)


class _Recorder:
    __slots__ = ("_counts", "_latency")

    def __init__(self, counts: dict[str, Counter], latency: Histogram) -> None:
        self._counts = counts
        self._latency = latency

    def record(self, outcome: str, seconds: float) -> None:
        self._counts[outcome].inc()
        self._latency.observe(seconds)


class FetchMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.fetches = Counter(
            "charter_gateway_subgraph_fetches",
            "Subgraph fetches by outcome: ok, errors (a GraphQL answer with errors), timeout, failed",
            ["subgraph", "outcome"], registry=registry,
        )
        self.latency = Histogram(
            "charter_gateway_subgraph_fetch_seconds", "Subgraph fetch latency, to the parsed answer",
            ["subgraph"], buckets=FETCH_BUCKETS, registry=registry,
        )
        # Circuits are per process: one series per worker ("liveall"), 1 for the current state.
        self.breaker_state = Gauge(
            "charter_gateway_subgraph_breaker_state", "1 for the endpoint circuit's current state",
            ["subgraph", "endpoint", "state"], registry=registry, multiprocess_mode="liveall",
        )
        self.breaker_transitions = Counter(
            "charter_gateway_subgraph_breaker_transitions",
            "Endpoint circuit changes, by the state entered", ["subgraph", "endpoint", "state"], registry=registry,
        )
        self._seen: set[tuple[str, str]] = set()

    def recorder(self, subgraph: str) -> _Recorder:
        counts = {outcome: self.fetches.labels(subgraph, outcome) for outcome in OUTCOMES}
        return _Recorder(counts, self.latency.labels(subgraph))

    def breaker(self, subgraph: str, endpoint: str, state: State) -> None:
        key = (subgraph, endpoint)
        if key in self._seen:
            self.breaker_transitions.labels(subgraph, endpoint, state.value).inc()
        self._seen.add(key)
        for s in _STATES:
            self.breaker_state.labels(subgraph, endpoint, s).set(1 if s == state.value else 0)
