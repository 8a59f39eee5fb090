"""The gateway's own spans inside a request: the GraphQL operation, validate, plan, and each
Fetch and Flatten of the plan. Called by the pipeline and the executor only when tracing is on
(they hold the tracer, or None)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, Tracer

from gateway.telemetry import spans

T = TypeVar("T")

OPERATION = "GraphQL Operation"  # the span's name until its operation is known (semconv)


def operation_span(tracer: Tracer) -> AbstractContextManager[Span]:
    return tracer.start_as_current_span(OPERATION, record_exception=False, set_status_on_exception=False)


def name_operation(operation_type: str, operation_name: str | None, document_hash: str) -> None:
    """The current operation span, once the document is parsed and its operation chosen."""
    span = trace.get_current_span()
    if span.is_recording():
        spans.name_operation(span, operation_type, operation_name, document_hash)


def request_failed(code: str | None, status: int) -> None:
    """The operation was refused before execution (bad document, variables, auth, budget)."""
    span = trace.get_current_span()
    if span.is_recording():
        spans.failed(span, code or "GRAPHQL_REQUEST_ERROR", f"HTTP {status}")


def validate(tracer: Tracer, cached: bool) -> AbstractContextManager[Span]:
    return tracer.start_as_current_span(
        "graphql.validate", attributes={spans.DOCUMENT_CACHE: "hit" if cached else "miss"}
    )


class PlanSpan:
    """`with PlanSpan(tracer) as plan:` around the plan lookup; `plan.missed()` from the
    function that computes a plan (so not called: a cache hit)."""

    __slots__ = ("_cm", "_span", "miss")

    def __init__(self, tracer: Tracer) -> None:
        self._cm = tracer.start_as_current_span("graphql.plan")
        self.miss = False

    def missed(self) -> None:
        self.miss = True

    def __enter__(self) -> PlanSpan:
        self._span = self._cm.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._span.set_attribute(spans.PLAN_CACHE, "miss" if self.miss else "hit")
        self._cm.__exit__(*exc)


async def fetch(tracer: Tracer, service: str, run: Awaitable[T]) -> T:
    with tracer.start_as_current_span(
        f"fetch {service}", attributes={spans.SUBGRAPH: service, spans.FETCH_KIND: "root"}
    ):
        return await run


async def flatten(tracer: Tracer, service: str, path: tuple[str, ...], run: Awaitable[T]) -> T:
    with tracer.start_as_current_span(
        f"flatten {service}",
        attributes={spans.SUBGRAPH: service, spans.FETCH_KIND: "entity", spans.FLATTEN_PATH: ".".join(path)},
    ):
        return await run


def traced_call(tracer: Tracer, name: str, call: Callable[[], T]) -> T:
    with tracer.start_as_current_span(name):
        return call()
