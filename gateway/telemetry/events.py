"""A subscription event's span: CONSUMER, in a trace of its own (a subscription outlives any
one request), linked to the trace context the event's message carries (the mutation that wrote
it, through the outbox relay), and current while the gateway resolves the event, so the
subgraph fetches it makes are its children."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind, Tracer

from gateway.telemetry import propagate


def begin(tracer: Tracer, subject: str, headers: Mapping[str, str] | None) -> tuple[Span, object]:
    links = []
    if headers and "traceparent" in headers:
        producer = trace.get_current_span(propagate.extract(headers)).get_span_context()
        if producer.is_valid:
            links.append(Link(producer))
    span = tracer.start_span(
        f"process {subject}",
        context=otel_context.Context(),  # a new trace: the link leads to the cause
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.destination.name": subject,
            **({"messaging.message.id": headers["Nats-Msg-Id"]} if headers and "Nats-Msg-Id" in headers else {}),
        },
    )
    token = otel_context.attach(trace.set_span_in_context(span))
    return span, token


def end(span: Span, token: object) -> None:
    otel_context.detach(token)  # type: ignore[arg-type]  # the Token that attach() returned, held as object
    span.end()
