"""The gateway's HTTP server span, around its GraphQL endpoint (POST and GET `/graphql`).

Plain ASGI, like the fast POST path it wraps, and installed only when tracing is on. The span is
the current span while the request runs, so the pipeline's stages and the subgraph calls are
its children; a client's `traceparent` (and `tracestate`) makes it a child of the client's span.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from gateway.telemetry import propagate, spans

Scope = dict[str, Any]
ASGIApp = Any


class TracedGraphQL:
    def __init__(self, app: ASGIApp, tracer: Tracer, paths: frozenset[str]) -> None:
        self._inner = app
        self._tracer = tracer
        self._paths = paths

    def __getattr__(self, name: str) -> Any:  # what callers read off the wrapped app (operator_app, app)
        return getattr(self._inner, name)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in self._paths:
            await self._inner(scope, receive, send)
            return
        parent = propagate.extract_scope(scope["headers"])
        method = scope["method"]
        attributes: dict[str, Any] = {
            spans.HTTP_METHOD: method,
            spans.HTTP_ROUTE: scope["path"],
            spans.URL_PATH: scope["path"],
            spans.URL_SCHEME: scope.get("scheme", "http"),
            spans.PROTOCOL_VERSION: scope.get("http_version", "1.1"),
        }
        server = scope.get("server")
        if server:
            attributes[spans.SERVER_ADDRESS] = server[0]
            if server[1] is not None:
                attributes[spans.SERVER_PORT] = server[1]
        client = scope.get("client")
        if client:
            attributes[spans.CLIENT_ADDRESS] = client[0]
        span = self._tracer.start_span(
            f"{method} {scope['path']}", context=parent, kind=SpanKind.SERVER, attributes=attributes
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))

        async def traced_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                span.set_attribute(spans.HTTP_STATUS, status)
                if status >= 500:
                    spans.failed(span, str(status))
            await send(message)

        try:
            await self._inner(scope, receive, traced_send)
        except BaseException as e:
            span.record_exception(e)
            spans.failed(span, type(e).__qualname__, str(e))
            raise
        finally:
            otel_context.detach(token)
            span.end()
