"""Tracing in a subgraph: the HTTP server span (continuing the gateway's `traceparent`),
Strawberry's operation and resolver spans, and one span per SQL statement, exported by OTLP.

Decided once at start, like the gateway (gateway/telemetry/setup.py reads the standard
`OTEL_*` variables): with no endpoint configured none of this is installed.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import strawberry
from opentelemetry.trace import Tracer

from gateway.telemetry import setup
from subgraphs.db.engines import Database

# New (stable) attribute names for HTTP and database spans, not the instrumentations' old ones;
# read when the instrumentations are first used, so set before any of them is imported.
_SEMCONV = "OTEL_SEMCONV_STABILITY_OPT_IN"


def configure(name: str, region: str) -> Tracer | None:
    os.environ.setdefault(_SEMCONV, "http,database")
    return setup.configure(f"charter-{name}", attributes={"cloud.region": region, "charter.subgraph.name": name})


def _no_arguments(args: dict[str, Any], info: Any) -> dict[str, Any]:
    # Arguments can carry what a caller considers private (e-mail addresses, tokens): no span
    # keeps them; the field's path says which resolver ran.
    return {}


def instrument_schema(schema: strawberry.federation.Schema) -> None:
    from strawberry.extensions.tracing import OpenTelemetryExtension

    if any(getattr(e, "func", e) is OpenTelemetryExtension for e in schema.extensions):
        return
    schema.extensions = (*schema.extensions, functools.partial(OpenTelemetryExtension, arg_filter=_no_arguments))


def instrument_database(db: Database) -> None:
    """A span per statement on both engines (each a child of the resolver that ran it)."""
    from opentelemetry.instrumentation.sqlalchemy import EngineTracer
    from opentelemetry.metrics import get_meter
    from opentelemetry.trace import get_tracer

    tracer = get_tracer("opentelemetry.instrumentation.sqlalchemy")
    # Pool usage goes to the (no-op) meter: the subgraph's metrics are Prometheus's.
    usage = get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    engines = [db.primary] if not db.has_replica else [db.primary, db.replica]
    for engine in engines:
        # EngineTracer directly: the instrumentor's version check stops below SQLAlchemy 2.1,
        # whose cursor events (all EngineTracer uses) are unchanged.
        EngineTracer(tracer, engine.sync_engine, usage, False, {}, False)

