"""The HTTP client span of one subgraph call (one per attempt: a failover makes one per
endpoint tried), with the trace context sent in the request's headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

__all__ = ["Tracer", "traced_call"]

from gateway.telemetry import propagate, spans

T = TypeVar("T")  # (status, body, headers)


def _target(url: str) -> dict[str, AttributeValue]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    # url.full without credentials: a subgraph URL could carry user:password@
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return {
        spans.HTTP_METHOD: "POST",
        spans.SERVER_ADDRESS: parts.hostname or "",
        spans.SERVER_PORT: port,
        spans.URL_FULL: f"{parts.scheme}://{netloc}{parts.path}",
    }


async def traced_call(
    tracer: Tracer,
    subgraph: str,
    url: str,
    headers: Mapping[str, str],
    call: Callable[[Mapping[str, str]], Awaitable[tuple[int, bytes, Mapping[str, str]]]],
) -> tuple[int, bytes, Mapping[str, str]]:
    current = trace.get_current_span()
    if not current.is_recording() and current.get_span_context().is_valid:
        # Not sampled: no span, but the subgraph hears so (and does not sample either).
        sent = dict(headers)
        propagate.inject(sent)
        return await call(sent)
    attributes = _target(url)
    attributes[spans.SUBGRAPH] = subgraph
    with tracer.start_as_current_span(
        "POST", kind=SpanKind.CLIENT, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        sent = dict(headers)
        propagate.inject(sent)  # the subgraph's server span is this span's child
        try:
            answer = await call(sent)
        except BaseException as e:
            spans.failed(span, type(e).__qualname__, str(e) or None)
            raise
        status = answer[0]
        span.set_attribute(spans.HTTP_STATUS, status)
        if status >= 400:
            spans.failed(span, str(status))
        return answer
