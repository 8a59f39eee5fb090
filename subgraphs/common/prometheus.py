"""What a subgraph exports on its /metrics: root resolver and SQL timings, replica lag and
connection pool use, in one registry per app (several apps may share a process in tests).

Resolvers: only root fields (`Query.*`, `Mutation.*`, `_entities` among them) are timed, by
wrapping their resolvers once per schema, so nested fields pay nothing. SQL: SQLAlchemy cursor
events on the app's engines, by database (primary or replica) and statement kind. Replica lag and
pool use are read when scraped. Every label is bounded: schema fields, two databases, five kinds.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import strawberry
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.db.engines import Database

RESOLVER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
WAIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
SQL_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
_KINDS = {"SELECT": "select", "INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}
_STARTED = "charter_sql_started"  # a connection's stack of statement start times (conn.info)


class SubgraphMetrics:
    def __init__(self, subgraph: str) -> None:
        self.subgraph = subgraph
        self.registry = CollectorRegistry()
        self.resolver_seconds = Histogram(
            "charter_subgraph_resolver_seconds", "Root field resolver time, to its value",
            ["subgraph", "field"], buckets=RESOLVER_BUCKETS, registry=self.registry,
        )
        self.resolver_errors = Counter(
            "charter_subgraph_resolver_errors", "Root field resolvers that raised",
            ["subgraph", "field"], registry=self.registry,
        )
        self.sql_seconds = Histogram(
            "charter_subgraph_sql_seconds", "SQL statement time, by database and statement kind",
            ["subgraph", "database", "statement"], buckets=SQL_BUCKETS, registry=self.registry,
        )
        self.sql_errors = Counter(
            "charter_subgraph_sql_errors", "SQL statements that failed, by database",
            ["subgraph", "database"], registry=self.registry,
        )
        self.consistency_wait = Histogram(
            "charter_subgraph_consistency_wait_seconds",
            "How long a read with a consistency token waited for the replica to replay it, by where it "
            "then read (replica: caught up in time; primary: the replica could not, or was unusable)",
            ["subgraph", "source"], buckets=WAIT_BUCKETS, registry=self.registry,
        )
        self._waits = {
            source: self.consistency_wait.labels(subgraph, source) for source in ("replica", "primary")
        }
        self._resolvers: dict[str, tuple[Any, Any]] = {}
        self.db: Database | None = None
        self.registry.register(_DatabaseCollector(self))

    def resolver(self, field: str) -> tuple[Any, Any]:
        """The bound (latency, errors) children for a root field (fields are the schema's: bounded)."""
        bound = self._resolvers.get(field)
        if bound is None:
            bound = self._resolvers[field] = (
                self.resolver_seconds.labels(self.subgraph, field),
                self.resolver_errors.labels(self.subgraph, field),
            )
        return bound

    def _token_read(self, source: str, seconds: float) -> None:
        self._waits[source].observe(seconds)

    def watch(self, db: Database) -> None:
        """Time the statements of this app's engines, and report their pools and replica."""
        self.db = db
        db.on_token_read = self._token_read
        _watch_engine(db.primary, self, "primary")
        if db.has_replica:
            _watch_engine(db.replica, self, "replica")

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _watch_engine(engine: AsyncEngine, metrics: SubgraphMetrics, database: str) -> None:
    children = {kind: metrics.sql_seconds.labels(metrics.subgraph, database, kind) for kind in (*_KINDS.values(), "other")}
    other = children["other"]
    errors = metrics.sql_errors.labels(metrics.subgraph, database)

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault(_STARTED, []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        started = conn.info.get(_STARTED)
        if not started:
            return
        elapsed = time.perf_counter() - started.pop()
        if context is not None and context.execution_options.get("uncounted"):
            return  # background work (the replica monitor), not a request's statement
        kind = _KINDS.get(statement.lstrip()[:6].upper())
        (children[kind] if kind is not None else other).observe(elapsed)

    def failed(exception_context: Any) -> None:
        conn = exception_context.connection
        started = conn.info.get(_STARTED) if conn is not None else None
        if started:
            started.pop()
        errors.inc()

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    event.listen(sync, "handle_error", failed)


class _DatabaseCollector(Collector):
    """Replica lag and pool use, read at scrape time from the app's database."""

    def __init__(self, metrics: SubgraphMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        name = self.metrics.subgraph
        lag_s = GaugeMetricFamily(
            "charter_subgraph_replica_lag_seconds", "How far the read replica is behind the primary, in time",
            labels=["subgraph"],
        )
        lag_b = GaugeMetricFamily(
            "charter_subgraph_replica_lag_bytes", "How far the read replica is behind the primary, in WAL bytes",
            labels=["subgraph"],
        )
        usable = GaugeMetricFamily(
            "charter_subgraph_replica_usable", "1 while reads go to the replica, 0 while they go to the primary",
            labels=["subgraph"],
        )
        in_use = GaugeMetricFamily(
            "charter_subgraph_db_pool_connections", "Pooled database connections, by state (in_use, idle)",
            labels=["subgraph", "database", "state"],
        )
        size = GaugeMetricFamily(
            "charter_subgraph_db_pool_size", "Connections the pool keeps (more may overflow up to the same number)",
            labels=["subgraph", "database"],
        )
        db = self.metrics.db
        if db is not None:
            health = db.replica_health
            if db.has_replica and health is not None:
                if health.lag_ms is not None:
                    lag_s.add_metric([name], health.lag_ms / 1000)
                if health.lag_bytes is not None:
                    lag_b.add_metric([name], health.lag_bytes)
            usable.add_metric([name], 1 if db.replica_usable else 0)
            engines = [("primary", db.primary)] + ([("replica", db.replica)] if db.has_replica else [])
            for database, engine in engines:
                pool: Any = engine.sync_engine.pool
                in_use.add_metric([name, database, "in_use"], pool.checkedout())
                in_use.add_metric([name, database, "idle"], pool.checkedin())
                size.add_metric([name, database], pool.size())
        yield from (lag_s, lag_b, usable, in_use, size)


# ---------------------------------------------------------------- root resolvers
_INSTRUMENTED = "_charter_timed"


def instrument_schema(schema: strawberry.federation.Schema) -> None:
    """Wrap the root fields' resolvers (once per schema object) to time them into the metrics of
    the app serving the request (`request.app.state.prometheus`), if it has any."""
    gql = schema._schema
    if getattr(gql, _INSTRUMENTED, False):
        return
    setattr(gql, _INSTRUMENTED, True)
    for root in (gql.query_type, gql.mutation_type):
        if root is None:
            continue
        for field_name, field in root.fields.items():
            if field.resolve is not None:
                field.resolve = _timed(field.resolve, f"{root.name}.{field_name}")


def _metrics_of(info: Any) -> SubgraphMetrics | None:
    request = getattr(info.context, "request", None)
    if request is None:
        return None
    return getattr(request.app.state, "prometheus", None)


def _timed(resolve: Callable[..., Any], label: str) -> Callable[..., Any]:
    def timed(root: Any, info: Any, **args: Any) -> Any:
        metrics = _metrics_of(info)
        if metrics is None:
            return resolve(root, info, **args)
        latency, errors = metrics.resolver(label)
        started = time.perf_counter()
        try:
            result = resolve(root, info, **args)
        except Exception:
            errors.inc()
            latency.observe(time.perf_counter() - started)
            raise
        if inspect.isawaitable(result):
            return _finish(result, started, latency, errors)
        latency.observe(time.perf_counter() - started)
        return result

    return timed


async def _finish(result: Awaitable[Any], started: float, latency: Any, errors: Any) -> Any:
    try:
        return await result
    except Exception:
        errors.inc()
        raise
    finally:
        latency.observe(time.perf_counter() - started)
