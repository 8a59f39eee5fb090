"""Resilience of routed subgraphs through a real gateway and real subgraph processes in two
regions: a frozen (SIGSTOP) or dead endpoint costs a client about one first-byte timeout once and
then nothing (its circuit is open); traffic returns to the local region when it recovers; writes go
to the primary's region and are never repeated; a process that is not the expected subgraph gets
no traffic and no credentials."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.gateway.gateway_support import GatewayFactory, Proc
from tests.gateway.resilience.support import TwoRegions, region_subgraph, start_two_regions


@pytest.fixture
def two(start_gateway: GatewayFactory, tmp_path: Path) -> Iterator[TwoRegions]:
    stack = start_two_regions(start_gateway, tmp_path, "--subgraph-timeout", "4")
    yield stack
    for region in stack.regions:
        stack.signal(region, signal.SIGCONT) if stack.regions[region].process.poll() is None else None
        stack.regions[region].stop()


def _local_first(stack: TwoRegions) -> bool:
    routes = stack.health()
    return routes[0]["region"] == "ams" and routes[0]["state"] == "closed"


def test_a_frozen_local_subgraph_costs_one_timeout_once_then_nothing(two: TwoRegions) -> None:
    assert two.where() == "ams"
    two.signal("ams", signal.SIGSTOP)
    with ThreadPoolExecutor(8) as pool:  # requests in flight when it froze
        first = list(pool.map(lambda _: two.ask(), range(8)))
    for body, seconds in first:
        assert body == {"data": {"where": "sin"}}
        assert seconds < 1.5, seconds  # one first-byte timeout (0.5 s), then the next region
    for _ in range(20):  # then nothing: the circuit is open, nothing waits on the frozen process
        body, seconds = two.ask()
        assert body == {"data": {"where": "sin"}} and seconds < 0.4, (body, seconds)
    ams = next(e for e in two.health() if e["region"] == "ams")
    assert ams["state"] == "open" and not ams["healthy"], ams
    two.signal("ams", signal.SIGCONT)
    two.wait_until(lambda: two.where() == "ams")  # back to the local region once it answers probes
    assert _local_first(two)


def test_a_dead_local_subgraph_fails_over_at_once_and_returns(two: TwoRegions, tmp_path: Path) -> None:
    assert two.where() == "ams"
    port = two.regions["ams"].port
    two.regions["ams"].stop()
    for _ in range(10):
        body, seconds = two.ask()
        assert body == {"data": {"where": "sin"}} and seconds < 0.5, (body, seconds)
    two.regions["ams"] = region_subgraph("ams", port)  # restarted on its port: it proves itself again
    two.wait_until(lambda: two.where() == "ams")


def test_writes_go_to_the_primary_region_and_are_never_repeated(start_gateway: GatewayFactory, tmp_path: Path) -> None:
    stack = start_two_regions(start_gateway, tmp_path, "--subgraph-timeout", "2", primary="sin")
    try:
        body, _ = stack.ask("mutation { bump }")
        assert body == {"data": {"bump": 1}}
        assert stack.direct("sin", "{ bumps }")["data"]["bumps"] == 1  # the primary's region ran it
        assert stack.direct("ams", "{ bumps }")["data"]["bumps"] == 0
        stack.signal("sin", signal.SIGSTOP)  # the write is sent, then no answer: it must not run twice
        body, seconds = stack.ask("mutation { bump }")
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "GATEWAY_TIMEOUT", body
        assert 1.5 < seconds < 3.5, seconds  # a write waits up to the deadline, not a first-byte timeout
        stack.signal("sin", signal.SIGCONT)
        assert stack.direct("ams", "{ bumps }")["data"]["bumps"] == 0  # not retried elsewhere
        assert stack.direct("sin", "{ bumps }")["data"]["bumps"] == 2  # ran once, when it woke up
        stack.regions["sin"].stop()  # refused: it cannot have run, so the next region may take it
        body, _ = stack.ask("mutation { bump }")
        assert body == {"data": {"bump": 1}}, body
        assert stack.direct("ams", "{ bumps }")["data"]["bumps"] == 1
    finally:
        for p in stack.regions.values():
            if p.process.poll() is None:
                p.process.send_signal(signal.SIGCONT)
            p.stop()


def test_a_process_that_took_the_port_gets_no_traffic_and_no_credentials(
    two: TwoRegions,
) -> None:
    auth = {"authorization": "Bearer s3cret"}
    body, _ = two.ask('{ echo(text: "hi") }', auth)
    assert body == {"data": {"echo": "hi@ams"}}
    port = two.regions["ams"].port
    two.regions["ams"].stop()
    impostor: Proc = region_subgraph("ams", port, pose_as="0" * 64)  # same port, another schema
    two.regions["ams"] = impostor
    try:
        two.wait_until(lambda: next(e for e in two.health() if e["region"] == "ams")["state"] == "unverified")
        for _ in range(10):
            body, _ = two.ask('{ echo(text: "hi") }', auth)
            assert body == {"data": {"echo": "hi@sin"}}, body
        assert two.direct("ams", "{ authSeen }")["data"]["authSeen"] == []
    finally:
        impostor.stop()


def test_every_endpoint_down_fails_fast_with_a_clear_error(two: TwoRegions) -> None:
    for region in ("ams", "sin"):
        two.regions[region].stop()
    two.ask()  # the refusals open both circuits
    body, seconds = two.ask()
    assert seconds < 0.5, seconds  # refused at once: no timeout is waited out (first-byte is 0.5 s)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR" and error["extensions"]["service"] == "probe", error
