"""W3C trace context in and out: `traceparent`/`tracestate` read from a client's (or a NATS
message's) headers, and written into a subgraph request's (or an outbox row's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_W3C = TraceContextTextMapPropagator()
FIELDS = ("traceparent", "tracestate")


def extract(headers: Mapping[str, str], context: Context | None = None) -> Context:
    """The caller's context (keys lower-cased, as ASGI and our own dicts have them)."""
    return _W3C.extract(headers, context)


def extract_scope(raw_headers: Iterable[tuple[bytes, bytes]]) -> Context | None:
    """From an ASGI scope's raw headers; None when the client sent no `traceparent`."""
    carrier: dict[str, str] = {}
    for name, value in raw_headers:
        if name in (b"traceparent", b"tracestate"):
            carrier[name.decode("latin-1")] = value.decode("latin-1")
    if "traceparent" not in carrier:
        return None
    return _W3C.extract(carrier)


def inject(carrier: MutableMapping[str, str], context: Context | None = None) -> None:
    """The current span's (or `context`'s) trace context into `carrier`."""
    _W3C.inject(carrier, context)


def current_traceparent() -> str | None:
    """The current trace context as one `traceparent` value (what an outbox row keeps)."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get("traceparent")
