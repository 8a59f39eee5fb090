"""Turning tracing on (or not), once per process, from the standard OpenTelemetry variables.

On when an OTLP endpoint is configured: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
`OTEL_EXPORTER_OTLP_ENDPOINT` (or an explicit endpoint, e.g. the gateway's `--otlp-endpoint`),
unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The protocol is
`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (the
default, as the specification recommends) or `grpc`. The exporters read the rest of
`OTEL_EXPORTER_OTLP_*` themselves (headers, timeout, compression, certificates), and the
sampler comes from `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` unless a ratio is given
(then parent-based on that ratio: a sampled client's trace is always continued).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased

PROTOCOLS = ("http/protobuf", "grpc")
INSTRUMENTATION = "charter"
_TRACER: trace.Tracer | None = None  # this process's, once configured


def tracer() -> trace.Tracer | None:
    """The tracer `configure` installed, or None: tracing is off in this process."""
    return _TRACER


@dataclass(frozen=True)
class TracingSettings:
    endpoint: str | None  # None: tracing off
    protocol: str = "http/protobuf"
    ratio: float | None = None  # None: OTEL_TRACES_SAMPLER(_ARG), default parent-based always-on
    # the endpoint came from OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: the HTTP exporter adds
    # /v1/traces), not a traces-specific one (used as is)
    base_endpoint: bool = False

    @property
    def enabled(self) -> bool:
        return self.endpoint is not None


def settings_from_env(
    env: Mapping[str, str] | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    ratio: float | None = None,
) -> TracingSettings:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return TracingSettings(None)
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return TracingSettings(None)
    base = False
    if endpoint is None:
        endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or None
        if endpoint is None:
            endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
            base = endpoint is not None
    else:
        base = True  # like OTEL_EXPORTER_OTLP_ENDPOINT: the collector's address
    proto = (
        protocol
        or env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip().lower()
    if proto not in PROTOCOLS:
        raise ValueError(f"OTLP protocol {proto!r} is not supported; use one of {', '.join(PROTOCOLS)}")
    if ratio is not None and not 0.0 <= ratio <= 1.0:
        raise ValueError(f"the trace sampling ratio must be within 0..1, not {ratio}")
    return TracingSettings(endpoint, proto, ratio, base)


def _exporter(settings: TracingSettings) -> SpanExporter:
    assert settings.endpoint is not None
    if settings.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter(endpoint=settings.endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    url = settings.endpoint
    if settings.base_endpoint:
        url = url.rstrip("/") + "/v1/traces"
    return HttpExporter(endpoint=url)


def _sampler(settings: TracingSettings) -> Sampler | None:
    if settings.ratio is None:
        return None  # the SDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
    return ParentBased(TraceIdRatioBased(settings.ratio))


def configure(
    service: str,
    settings: TracingSettings | None = None,
    attributes: Mapping[str, str] | None = None,
    exporter: SpanExporter | None = None,
) -> trace.Tracer | None:
    """Install this process's tracer provider; the tracer, or None when tracing is off.
    `exporter` replaces OTLP (the benchmark's in-process sink)."""
    settings = settings if settings is not None else settings_from_env()
    if not settings.enabled and exporter is None:
        return None
    resource = Resource.create({"service.name": service, **(attributes or {})})
    provider = TracerProvider(resource=resource, sampler=_sampler(settings))
    provider.add_span_processor(BatchSpanProcessor(exporter if exporter is not None else _exporter(settings)))
    trace.set_tracer_provider(provider)
    global _TRACER
    _TRACER = provider.get_tracer(INSTRUMENTATION)
    return _TRACER


def ensure(service: str) -> trace.Tracer | None:
    """This process's tracer: configured on first call (an app made twice in one process, as
    tests do, shares it), None when tracing is off."""
    return _TRACER if _TRACER is not None else configure(service)


def flush() -> None:
    """Send what is queued now (a stopping app), keeping the provider for a next one."""
    provider = trace.get_tracer_provider()
    force = getattr(provider, "force_flush", None)
    if force is not None:
        force()


def shutdown() -> None:
    """Flush what is queued (a stopping process still sends its last spans)."""
    provider = trace.get_tracer_provider()
    stop = getattr(provider, "shutdown", None)
    if stop is not None:
        stop()
