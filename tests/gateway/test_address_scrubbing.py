"""Internal addresses are scrubbed from what reaches clients in linear time (issue 10): the text is
a subgraph's (its error messages, its bytes quoted by aiohttp), up to the response byte limit. The
old host:port pattern took minutes of event loop on 400 KB of one letter: the gateway froze."""

from __future__ import annotations

import time

import pytest

from gateway.executor.masking import scrub
from gateway.transport.errors import SubgraphError

HOSTILE = 256 * 1024
SHAPES = {
    "one-letter": "x" * HOSTILE,
    "dotted": "a." * (HOSTILE // 2),
    "hyphens": "x-" * (HOSTILE // 2),
    "ports": "a.a:" * (HOSTILE // 4),
    "schemes": "a://" * (HOSTILE // 4),
    "numbers": "1.1." * (HOSTILE // 4),
    "brackets": "[" + ":" * HOSTILE,
    "tuples": "('" * (HOSTILE // 2),
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_hostile_text_is_scrubbed_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    scrub(text + " db.internal:5432")
    SubgraphError.unreachable("catalog", text + " db.internal:5432")
    assert time.perf_counter() - started < 0.5  # quadratic: 2 KB took 60 ms, 256 KB hours


@pytest.mark.parametrize(("message", "scrubbed"), [
    ("connect to catalog.internal.svc:4001 failed", "connect to <subgraph> failed"),
    ("GET http://a-b.c.d:80/x/y z", "GET <subgraph> z"),
    ("postgresql://db.x:5432/app down", "<subgraph> down"),
    ("(10.0.0.7:8080)", "(<subgraph>)"),
    ("[::1]:8080 refused", "<subgraph> refused"),
    ("user@h.example.com:22", "user@<subgraph>"),
    ("localhost:3000", "<subgraph>"),
    ("at 10:00:00, version 1.5:30", "at 10:00:00, version 1.5:30"),  # times and versions are no hosts
])
def test_addresses_in_subgraph_messages(message: str, scrubbed: str) -> None:
    assert scrub(message) == scrubbed


def test_transport_reasons_are_scrubbed_and_short() -> None:
    e = SubgraphError.unreachable("catalog", "Cannot connect to host 127.0.0.1:5432 [Connect call failed ('127.0.0.1', 5432)]")
    assert e.message == "HTTP fetch failed from 'catalog': Cannot connect to host <subgraph> [Connect call failed <subgraph>]"
    assert len(SubgraphError.unreachable("catalog", "y" * 100_000).message) < 400
