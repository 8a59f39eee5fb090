"""`charter up --tracing`: a local Jaeger, and every process of the stack exporting to it.

The stack's processes inherit this process's environment, so the standard variables set here
(OTEL_EXPORTER_OTLP_ENDPOINT and protocol) turn tracing on in the gateway, the subgraphs and
the event relay alike; each names its own service (charter-gateway, charter-<subgraph>, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from infra import jaeger


async def start_tracing(data_dir: Path, stack: contextlib.AsyncExitStack, progress: Callable[[str], None]) -> str:
    """Start Jaeger (building it first if needed); its UI address."""
    binary = await asyncio.to_thread(jaeger.build, progress)
    server = jaeger.JaegerServer(data_dir / "jaeger")
    await server.start(binary)
    stack.push_async_callback(server.stop)
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = server.otlp_http
    os.environ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf"
    os.environ.pop("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None)  # ours, not one configured elsewhere
    os.environ.setdefault("OTEL_BSP_SCHEDULE_DELAY", "1000")  # spans reach the UI within a second
    progress(f"Jaeger UI: {server.ui_url}  (OTLP in: {server.otlp_http} HTTP, {server.otlp_grpc} gRPC)")
    return server.ui_url
