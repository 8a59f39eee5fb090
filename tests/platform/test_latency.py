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


async def test_a_far_side_reset_mid_delivery_ends_the_pipe_quietly() -> None:
    """The upstream resets (RST) while the proxy still has bytes to deliver to it and its reader
    waits for room (backpressure): both pipes end by themselves, and nothing is left for asyncio to
    report ("Task exception was never retrieved" was printed for the delivering task when
    `charter up` stopped, and the reader waited for room until then)."""
    import gc
    import socket
    import struct

    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    got_bytes = asyncio.Event()

    async def resetting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        writer.transport.abort()
        got_bytes.set()

    server = await asyncio.start_server(resetting, "127.0.0.1", 0)
    # one chunk in flight: the reader waits for room while the writer delivers
    proxy = LatencyProxy("127.0.0.1", server.sockets[0].getsockname()[1], rtt_ms=2, max_buffered=65536)
    port = await proxy.start()
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(os.urandom(4_000_000))  # more than the sockets buffer: the proxy has more to deliver
        await asyncio.wait_for(got_bytes.wait(), 10)
        pipes = list(proxy._tasks)
        assert len(pipes) == 2, pipes
        await asyncio.wait_for(asyncio.gather(*pipes, return_exceptions=True), 10)
        writer.close()
    finally:
        await proxy.stop()
        server.close()
        await server.wait_closed()
        gc.collect()  # an unretrieved task exception is reported when the task is collected
        await asyncio.sleep(0)
        loop.set_exception_handler(previous)
    assert not reported, [c.get("message") for c in reported]
