"""Prometheus metrics for operators: one registry per app, so several gateways can share a process.

With `--workers N` the CLI sets PROMETHEUS_MULTIPROC_DIR: each worker writes its samples to files
there and a scrape of any worker reports the sum over all of them.

The hot path touches only label children bound here once (`outcome`, `operations.child(name)`,
the transport's per-subgraph recorders): no label lookup or dict built per request.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.errors import FAILED, OUTCOMES, REFUSED, SUCCESS
from gateway.http.fetch_metrics import FetchMetrics
from gateway.http.operation_labels import DEFAULT_CAP, OperationLabels

if TYPE_CHECKING:
    from gateway.pipeline import Result

# Request latency: fine around the seed's 100 ms p99 objective (an SLO needs a bucket edge there).
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10)
_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    def __init__(self, max_operations: int = DEFAULT_CAP) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "charter_gateway_requests",
            "GraphQL requests by outcome: success, partial (data with errors), error, refused;"
            " over HTTP, SSE, multipart and WebSocket (a subscription counts once, when it starts)",
            ["outcome"], registry=self.registry,
        )
        self.outcome: dict[str, Any] = {o: self.requests.labels(o) for o in OUTCOMES}
        self.duration = Histogram(
            "charter_gateway_request_seconds",
            'GraphQL request latency by operation name (capped: later names count as "other")',
            ["operation"], buckets=_BUCKETS, registry=self.registry,
        )
        self.operations = OperationLabels(self.duration, max_operations)
        self.fetches = FetchMetrics(self.registry)
        # Open now, summed over live workers.
        self.subscriptions_open = Gauge(
            "charter_gateway_subscriptions_open", "Client subscription operations open",
            registry=self.registry, multiprocess_mode="livesum",
        )
        self.subscription_streams_open = Gauge(
            "charter_gateway_subscription_streams_open", "Shared upstream subscription streams open",
            registry=self.registry, multiprocess_mode="livesum",
        )
        self.subscription_events = Counter(
            "charter_gateway_subscription_events",
            "Subscription events per client: delivered, or dropped (client too slow or closing)",
            ["result"], registry=self.registry,
        )
        self._delivered = self.subscription_events.labels("delivered")
        self._dropped = self.subscription_events.labels("dropped")
        self.loop_lag = Histogram(
            "charter_gateway_event_loop_lag_seconds", "How late the event loop runs a timer",
            buckets=_LAG_BUCKETS, registry=self.registry,
        )
        # Set at scrape time by the answering worker: per-process series ("liveall") in multiprocess mode.
        self.plan_cache = Gauge(
            "charter_gateway_plan_cache_entries", "Plans cached for the current schema",
            registry=self.registry, multiprocess_mode="liveall",
        )
        self.plan_hits = Gauge(
            "charter_gateway_plan_cache_hits", "Plan cache hits (current schema)",
            registry=self.registry, multiprocess_mode="liveall",
        )
        self.plan_misses = Gauge(
            "charter_gateway_plan_cache_misses", "Plan cache misses (current schema)",
            registry=self.registry, multiprocess_mode="liveall",
        )
        self.jwt_verifications = Gauge(
            "charter_gateway_jwt_verifications", "Token signatures checked (verified-token cache misses)",
            registry=self.registry, multiprocess_mode="liveall",
        )
        cost_buckets = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 100_000, 1_000_000)
        self.cost_estimated = Histogram(
            "charter_gateway_cost_estimated", "Estimated operation cost (demand control)",
            buckets=cost_buckets, registry=self.registry,
        )
        self.cost_actual = Histogram(
            "charter_gateway_cost_actual", "Actual cost of answers (demand control, measure mode)",
            buckets=cost_buckets, registry=self.registry,
        )
        self.cost_refused = Counter(
            "charter_gateway_cost_refused", "Operations refused as too expensive", registry=self.registry
        )
        self.reloads = Counter(
            "charter_gateway_schema_reloads", "Supergraph reloads by result", ["result"], registry=self.registry
        )
        # Caches (entity, plan, apq): lookups by result, evictions by reason, Redis health.
        self.cache_requests = Counter(
            "charter_cache_requests", "Cache lookups by cache and result", ["cache", "result"], registry=self.registry
        )
        self.cache_evictions = Counter(
            "charter_cache_evictions", "Cache entries evicted, by reason", ["reason"], registry=self.registry
        )
        self.redis_roundtrips = Counter(
            "charter_cache_redis_roundtrips", "Commands or pipelines sent to Redis", registry=self.registry
        )
        self.redis_degraded = Gauge(
            "charter_cache_redis_degraded", "1 while Redis is unusable and caches answer misses",
            registry=self.registry, multiprocess_mode="max",
        )
        self.redis_episodes = Counter(
            "charter_cache_redis_degraded_episodes", "Times Redis became unusable", registry=self.registry
        )

    # CacheStats (gateway.cache.stats), so the caches report here without importing this module.
    def request(self, cache: str, result: str, n: int = 1) -> None:
        self.cache_requests.labels(cache, result).inc(n)

    def evicted(self, reason: str, n: int) -> None:
        self.cache_evictions.labels(reason).inc(n)

    def roundtrip(self) -> None:
        self.redis_roundtrips.inc()

    def degraded(self, down: bool) -> None:
        self.redis_degraded.set(1 if down else 0)
        if down:
            self.redis_episodes.inc()

    def answered(self, outcome: str, request_error: bool, status: int, operation: str | None) -> Any:
        """Count a pipeline result's outcome; the latency histogram child to observe it in."""
        if not outcome:  # a request error: refused, unless the gateway itself failed (5xx)
            outcome = (FAILED if status >= 500 else REFUSED) if request_error else SUCCESS
        self.outcome[outcome].inc()
        return self.operations.none if operation == "" else self.operations.child(operation)

    def counted(self, result: Result) -> Any:
        """Count a pipeline result (its outcome, and its cost when it was estimated), whatever the
        transport; the latency histogram child to observe it in."""
        if result.cost is not None:
            self.observe_cost(result.cost)
        return self.answered(result.outcome, result.request_error, result.status, result.operation)

    def started(self, refused: bool) -> None:
        """Count a subscription as it starts (or is refused). Its lifetime is not a latency: the
        histogram and the subscription gauges tell the rest."""
        self.outcome[REFUSED if refused else SUCCESS].inc()

    def stopped(self, outcome: str) -> Any:
        """Count a request stopped before the pipeline (HTTP refusals, bodies that are not JSON)."""
        self.outcome[outcome].inc()
        return self.operations.none

    # SubscriptionStats (gateway.subscriptions.stats)
    def open(self, streams: int, subscriptions: int) -> None:
        self.subscription_streams_open.set(streams)
        self.subscriptions_open.set(subscriptions)

    def events(self, delivered: int, dropped: int) -> None:
        if delivered:
            self._delivered.inc(delivered)
        if dropped:
            self._dropped.inc(dropped)

    def observe_cost(self, cost: tuple[int, int | None, bool]) -> None:
        estimated, actual, refused = cost
        self.cost_estimated.observe(estimated)
        if actual is not None:
            self.cost_actual.observe(actual)
        if refused:
            self.cost_refused.inc()

    def render(self) -> bytes:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=directory)
            return generate_latest(merged)
        return generate_latest(self.registry)
