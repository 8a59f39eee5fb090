"""The gateway's tracing flags, turned into the standard OpenTelemetry variables (which every
worker process inherits, and which the OTLP exporters read)."""

from __future__ import annotations

import argparse
from collections.abc import MutableMapping

from gateway.telemetry.setup import PROTOCOLS, settings_from_env


def register_tracing(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("tracing (OpenTelemetry; the OTEL_* variables work too)")
    group.add_argument(
        "--otlp-endpoint", default=None,
        help="export traces by OTLP to this collector (sets OTEL_EXPORTER_OTLP_ENDPOINT; default: off)",
    )
    group.add_argument(
        "--otlp-protocol", choices=PROTOCOLS, default=None,
        help="OTLP over HTTP (protobuf, the default) or gRPC (sets OTEL_EXPORTER_OTLP_PROTOCOL)",
    )
    group.add_argument(
        "--trace-sample-ratio", type=float, default=None,
        help="trace this fraction of requests not already sampled by the client, 0..1 "
        "(sets OTEL_TRACES_SAMPLER=parentbased_traceidratio; default: every request)",
    )


def apply_tracing_args(args: argparse.Namespace, env: MutableMapping[str, str]) -> None:
    endpoint = getattr(args, "otlp_endpoint", None)
    protocol = getattr(args, "otlp_protocol", None)
    ratio = getattr(args, "trace_sample_ratio", None)
    if ratio is not None and not 0.0 <= ratio <= 1.0:
        raise ValueError(f"--trace-sample-ratio must be within 0..1, not {ratio}")
    if endpoint:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    if protocol:
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol
    if ratio is not None:
        env["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
        env["OTEL_TRACES_SAMPLER_ARG"] = repr(ratio)
    settings_from_env(env)  # a bad protocol in the environment fails here, before serving
