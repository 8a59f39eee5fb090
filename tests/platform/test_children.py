"""infra's one free-port helper and its synchronous children (what fixtures and benchmarks start)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from infra.ports import free_port, free_ports, port_free
from infra.processes import ProcessFailed, ProcessRegistry, spawn, start_http


def test_free_ports_are_distinct_and_bindable_and_a_held_port_is_not() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5 and all(port_free(p) for p in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        assert not port_free(sock.getsockname()[1])


def test_start_http_returns_once_the_server_answers_and_stop_removes_its_temporary_log() -> None:
    port = free_port()
    child = start_http("files", [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                       f"http://127.0.0.1:{port}/", within=20)
    try:
        assert child.alive()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens: readiness was a real answer, not a guess
        log = child.log_path
        assert log.exists()
    finally:
        child.stop(grace=5)
    assert child.returncode is not None
    assert not log.exists()


def test_a_child_that_exits_before_it_is_ready_fails_with_its_output(tmp_path: Path) -> None:
    script = "import sys; print('cannot start: config missing', file=sys.stderr); sys.exit(3)"
    with pytest.raises(ProcessFailed, match="exited with 3") as failure:
        start_http("broken", [sys.executable, "-c", script], f"http://127.0.0.1:{free_port()}/",
                   log_path=tmp_path / "broken.log", within=20)
    assert "cannot start: config missing" in str(failure.value)
    assert (tmp_path / "broken.log").exists()  # a log the caller named is kept for post-mortems


def test_stop_ends_the_whole_group_and_the_registry_stops_what_it_started(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path)
    child = registry.start("tree", ["sh", "-c", "sleep 60 & echo started; wait"])
    other = spawn("other", ["sleep", "60"], log_path=tmp_path / "other.log")
    try:
        registry.close()
        assert child.returncode is not None and registry.started == []
        with pytest.raises(ProcessLookupError):
            os.killpg(child.pid, 0)  # no member of its group is left (the backgrounded sleep too)
        assert other.alive()  # only what the registry started was signalled
    finally:
        other.stop(grace=2)
    assert other.returncode is not None
