"""Prometheus metrics for operators: one registry per app, so several gateways can share a process.

With `--workers N` the CLI sets PROMETHEUS_MULTIPROC_DIR: each worker writes its samples to files
there and a scrape of any worker reports the sum over all of them.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "charter_gateway_requests", "GraphQL requests by outcome", ["outcome"], registry=self.registry
        )
        self.duration = Histogram(
            "charter_gateway_request_seconds", "GraphQL request latency", buckets=_BUCKETS, registry=self.registry
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
