"""Latency between regions: the user-space proxy adds a pair's round-trip time and keeps the
bytes whole and in order (the gateway's side: tests/gateway/test_latency_routing.py)."""

from __future__ import annotations

import asyncio
import os
import time

from infra.latency import LatencyProxy
from regions import load_layout


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_proxy_adds_the_round_trip_and_keeps_the_bytes() -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = LatencyProxy("127.0.0.1", server.sockets[0].getsockname()[1], rtt_ms=200)
    port = await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        writer.write(b"ping")
        assert await reader.readexactly(4) == b"ping"
        first = time.perf_counter() - started  # the connect round trip and one request round trip
        assert 0.39 < first < 0.9, first
        payload = os.urandom(1_000_000)
        started = time.perf_counter()
        writer.write(payload)
        assert await reader.readexactly(len(payload)) == payload
        assert 0.19 < time.perf_counter() - started < 1.5
        writer.close()
    finally:
        await proxy.stop()
        server.close()


def test_the_matrix_names_its_public_source() -> None:
    layout = load_layout()
    assert "WonderNetwork" in layout.latency_source and "https://" in layout.latency_source
    assert layout.latency_ms("ams", "sin") > layout.latency_ms("ams", "iad") > 1
