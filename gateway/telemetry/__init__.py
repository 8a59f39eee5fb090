"""Tracing (OpenTelemetry) for the gateway, and the setup the subgraphs and the event relay share.

Tracing is decided once, at start (`setup.configure`): with no OTLP endpoint configured there is
no tracer, the hot path's hooks test one attribute for None, and nothing is exported. With one,
spans follow the OpenTelemetry semantic conventions for GraphQL and HTTP (`spans.py`), W3C
`traceparent`/`tracestate` is honoured from clients and sent on to subgraphs (`propagate.py`).
"""
