"""The gateway's own spans inside a request: the GraphQL operation, validate, plan, and each
Fetch and Flatten of the plan. Called by the pipeline and the executor only when tracing is on
(they hold the tracer, or None)."""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, Tracer

from gateway.telemetry import spans

T = TypeVar("T")

OPERATION = "GraphQL Operation"  # the span's name until its operation is known (semconv)
_NOTHING = nullcontext()


def recording() -> bool:
    """Spans are worth making here: the current span records (was sampled), or there is none
    (a new trace starts, for the sampler to decide). Under an unsampled span no child span is
    made at all: the trace context still travels (unsampled) to the subgraphs."""
    span = trace.get_current_span()
    return span.is_recording() or not span.get_span_context().is_valid


def operation_span(tracer: Tracer) -> AbstractContextManager[Span]:
    return tracer.start_as_current_span(OPERATION, record_exception=False, set_status_on_exception=False)


async def request(tracer: Tracer, run: Awaitable[T]) -> T:
    """The pipeline's run under the operation span; a request refused before execution (its
    result's `request_error`) marks the span failed."""
    if not recording():
        return await run
    with operation_span(tracer) as span:
        result = await run
        if getattr(result, "request_error", False):
            spans.failed(span, "GRAPHQL_REQUEST_ERROR", f"HTTP {getattr(result, 'status', 400)}")
        return result


def name_operation(operation_type: str, operation_name: str | None, document_hash: str) -> None:
    """The current operation span, once the document is parsed and its operation chosen."""
    span = trace.get_current_span()
    if span.is_recording():
        spans.name_operation(span, operation_type, operation_name, document_hash)


def validate(tracer: Tracer, cached: bool) -> AbstractContextManager[Span | None]:
    if not recording():
        return _NOTHING
    return tracer.start_as_current_span(
        "graphql.validate", attributes={spans.DOCUMENT_CACHE: "hit" if cached else "miss"}
    )


class PlanSpan:
    """`with PlanSpan(tracer, cache):` around the plan lookup: a miss is the cache's miss count
    moving meanwhile (the planner is not touched; with the plan store's awaits another
    request's miss could be counted as this one's, a rare mislabel of a span, not of a plan)."""

    __slots__ = ("_cache", "_cm", "_misses", "_span")

    def __init__(self, tracer: Tracer, cache: Any) -> None:
        self._cm = tracer.start_as_current_span("graphql.plan") if recording() else None
        self._cache = cache
        self._misses = cache.misses

    def __enter__(self) -> PlanSpan:
        if self._cm is not None:
            self._span = self._cm.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._cm is None:
            return
        missed = self._cache.misses != self._misses
        self._span.set_attribute(spans.PLAN_CACHE, "miss" if missed else "hit")
        self._cm.__exit__(*exc)


async def fetch(tracer: Tracer, service: str, run: Awaitable[T]) -> T:
    if not recording():
        return await run
    with tracer.start_as_current_span(
        f"fetch {service}", attributes={spans.SUBGRAPH: service, spans.FETCH_KIND: "root"}
    ):
        return await run


async def flatten(tracer: Tracer, service: str, path: tuple[str, ...], run: Awaitable[T]) -> T:
    if not recording():
        return await run
    with tracer.start_as_current_span(
        f"flatten {service}",
        attributes={spans.SUBGRAPH: service, spans.FETCH_KIND: "entity", spans.FLATTEN_PATH: ".".join(path)},
    ):
        return await run
