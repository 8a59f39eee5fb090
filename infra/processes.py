"""A child server process whose readiness is a line in its own log.

Servers say when they are ready ("database system is ready to accept connections", "Application
startup complete"): we read their merged stdout/stderr line by line and resolve readiness on that
line, so nothing sleeps and polls. The log is also kept in a file for post-mortems.

The output is read in chunks, never with readline's 64 KiB limit: a line of any length goes to the
log file whole (only its first `MATCH_BYTES` are matched and kept in the tail), so a child can never
fill its pipe and freeze because its reader died.

Every child is started with PR_SET_PDEATHSIG (SIGKILL): if the process that started it dies,
however it dies (a SIGKILL included), the kernel kills the child too, so nothing is left behind
holding a port and answering for a stack that no longer exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from infra.runas import RunAs


class ProcessFailed(RuntimeError):
    """The server exited, or never said it was ready, in time."""


MATCH_BYTES = 8192  # of a line, matched against readiness patterns and kept in the tail
_CHUNK = 65536
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In the child, before exec (after any setuid, which would clear it): SIGKILL when the parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _preexec() -> Callable[[], None]:
    parent = os.getpid()
    return lambda: die_with_parent(parent)


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        run_as: RunAs | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.run_as = run_as
        self.stop_signal = stop_signal
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._tail: deque[str] = deque(maxlen=40)
        self._waiters: list[tuple[re.Pattern[str], asyncio.Future[str]]] = []
        self.started_at: float | None = None  # time.time() of the last start
        self.last_exit: int | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self, ready: str | None, within: float = 60.0) -> None:
        """Spawn the process; with `ready` (a regex), return once a log line matches it."""
        waiter = self._expect(ready) if ready else None
        kwargs = self.run_as.popen_kwargs() if self.run_as else {}
        self._proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
            preexec_fn=_preexec(),
            **kwargs,
        )
        self.started_at = time.time()
        self._reader = asyncio.create_task(self._read_log(), name=f"log:{self.name}")
        if waiter is not None:
            try:
                await asyncio.wait_for(waiter, within)
            except (TimeoutError, ProcessFailed) as exc:
                await self.stop()
                raise ProcessFailed(f"{self.name} did not start: {exc}\n{self.tail()}") from None

    def _expect(self, pattern: str) -> asyncio.Future[str]:
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append((re.compile(pattern), fut))
        return fut

    def expect(self, pattern: str) -> asyncio.Future[str]:
        """A future for the first log line from now on matching `pattern`; register it before
        `start()` to catch lines the server prints while starting."""
        return self._expect(pattern)

    async def wait_for_line(self, pattern: str, within: float) -> str:
        return await asyncio.wait_for(self._expect(pattern), within)

    async def _read_log(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            pending = b""  # the start of the current line (at most MATCH_BYTES of it)
            overflow = 0  # bytes of the current line beyond MATCH_BYTES: logged, not kept
            while chunk := await stdout.read(_CHUNK):
                log.write(chunk)
                log.flush()
                start = 0
                while (end := chunk.find(b"\n", start)) != -1:
                    piece = chunk[start:end]
                    if overflow or len(pending) + len(piece) > MATCH_BYTES:
                        overflow += len(pending) + len(piece) - MATCH_BYTES
                    self._line((pending + piece)[:MATCH_BYTES], overflow)
                    pending, overflow, start = b"", 0, end + 1
                rest = chunk[start:]
                room = MATCH_BYTES - len(pending)
                pending += rest[:room]
                overflow += max(len(rest) - room, 0)
            if pending:
                self._line(pending, overflow)
        code = await self._proc.wait()
        self.last_exit = code
        for _, fut in self._waiters:
            if not fut.done():
                fut.set_exception(ProcessFailed(f"{self.name} exited with code {code}"))
        self._waiters.clear()

    def _line(self, raw: bytes, overflow: int) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if overflow:
            line += f" ... ({overflow} more bytes in {self.log_path.name})"
        self._tail.append(line)
        for pattern, fut in list(self._waiters):
            if not fut.done() and pattern.search(line):
                fut.set_result(line)
                self._waiters.remove((pattern, fut))

    async def wait_exited(self) -> int | None:
        """Returns when the process has exited (its code), or at once if it never started."""
        if self._proc is None:
            return None
        return await self._proc.wait()

    def tail(self) -> str:
        return "\n".join(f"  {self.name}| {line}" for line in self._tail)

    async def stop(self, within: float = 15.0) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, self.stop_signal)
            try:
                await asyncio.wait_for(proc.wait(), within)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        self._proc = None


async def run_tool(
    argv: Sequence[str], *, run_as: RunAs | None = None, within: float = 120.0
) -> str:
    """Run a short-lived tool (initdb, pg_basebackup) to completion; raise with its output on failure."""
    kwargs = run_as.popen_kwargs() if run_as else {}
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=_preexec(),
        **kwargs,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ProcessFailed(f"{argv[0]} timed out after {within}s") from None
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise ProcessFailed(f"{' '.join(argv)} failed ({proc.returncode}):\n{text}")
    return text


# ---------------------------------------------------------------------------------------------
# Synchronous children: what test fixtures and benchmarks start from plain (non-async) code.
# Same rules as ManagedProcess: a session of its own (signalled as a group, so whatever it forks
# goes too), killed by the kernel if we die, output in a log file that can never fill a pipe.


class ChildProcess:
    """A started child (and its process group): stop it with `stop()`; its output is in `log_path`."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path, own_log: bool = False) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.own_log = own_log  # a temporary log file, removed by `stop()`

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self, last_chars: int | None = None) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text if last_chars is None else text[-last_chars:]

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_lines()[-lines:])

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL it if anything of it lingers past `grace` seconds."""
        pgid = self.pid  # == the group id, since it leads a new session
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=wait)
            if _group_gone_within(pgid, wait):
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=2.0)  # reaped even if a grandchild outlived the group
        if self.own_log:
            self.log_path.unlink(missing_ok=True)


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: bool = True,
) -> ChildProcess:
    """Start argv with stderr (and, with `stdout`, stdout too) written to `log_path` (a fresh
    file; without one, a temporary file that `stop()` removes); `env` is added to this
    process's environment."""
    own_log = log_path is None
    if log_path is None:
        fd, name_ = tempfile.mkstemp(prefix=f"{name}-", suffix=".log")
        os.close(fd)
        log_path = Path(name_)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log if stdout else subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
            # PR_SET_PDEATHSIG fires when the spawning *thread* ends: only the main thread's
            # children get it (a fixture run from a worker thread must not lose its server).
            preexec_fn=_preexec() if threading.current_thread() is threading.main_thread() else None,
        )
    return ChildProcess(name, popen, log_path, own_log)


def _answers_200(response: httpx.Response) -> bool:
    return response.status_code == 200


def wait_http(
    child: ChildProcess,
    url: str,
    *,
    within: float = 30.0,
    ready: Callable[[httpx.Response], bool] = _answers_200,
    method: str = "GET",
    json: Any = None,
) -> None:
    """Return once `url` answers as `ready` wants; raise ProcessFailed (with the child's log) if
    the child exits first or `within` seconds pass. The child is left running either way."""
    deadline = time.monotonic() + within
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not child.alive():
                raise ProcessFailed(f"{child.name} exited with {child.returncode}:\n{child.log_text(6000)}")
            with contextlib.suppress(httpx.TransportError):
                if ready(client.request(method, url, json=json)):
                    return
            time.sleep(0.05)  # a port that is not open yet sends no event to await
    raise ProcessFailed(f"{child.name} not ready within {within}s at {url}:\n{child.log_text(6000)}")


# How long a server may take to answer its health URL before it counts as never starting. Only a
# server that is broken waits this long; a loaded two-core CI machine has taken over 30 s.
STARTUP_BOUND_S = 90.0


def start_http(
    name: str,
    argv: Sequence[str],
    url: str,
    *,
    log_path: Path | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: bool = True,
    within: float = STARTUP_BOUND_S,
    ready: Callable[[httpx.Response], bool] = _answers_200,
    method: str = "GET",
    json: Any = None,
) -> ChildProcess:
    """`spawn` and `wait_http`; a child that never gets ready is stopped before the error is raised."""
    child = spawn(name, argv, log_path=log_path, cwd=cwd, env=env, stdout=stdout)
    try:
        wait_http(child, url, within=within, ready=ready, method=method, json=json)
    except BaseException:
        child.stop(grace=3.0)
        raise
    return child


class ProcessRegistry:
    """Children started under one log directory and stopped together (a benchmark's `finally`)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[ChildProcess] = []

    def start(
        self, name: str, command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> ChildProcess:
        child = spawn(name, command, log_path=self.log_dir / f"{name}.log", cwd=cwd, env=env)
        self.started.append(child)
        return child

    def stop(self, child: ChildProcess, grace: float = 5.0) -> None:
        if child in self.started:
            self.started.remove(child)
        child.stop(grace)

    def close(self) -> None:
        for child in reversed(list(self.started)):
            self.stop(child, grace=3.0)


def _group_gone_within(pgid: int, seconds: float) -> bool:
    """Whether the group's last process is gone within `seconds`. The leader is our child and was
    awaited; the others are not our children (no event to await), so they are polled briefly."""
    deadline = time.monotonic() + seconds
    while _group_exists(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
