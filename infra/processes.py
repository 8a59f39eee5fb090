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
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def _preexec() -> object:
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
            **kwargs,  # type: ignore[arg-type]
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
        **kwargs,  # type: ignore[arg-type]
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
