"""Prometheus's own `promtool`, to check and unit-test the alerting rules in infra/observability/.

Built from its Go module (github.com/prometheus/prometheus/cmd/promtool, through the Go module
proxy) into a cache outside the repository, once per version: `python -m infra.promtool`. Machines
without Go say so and skip the build.

A cold build takes minutes (its modules are downloaded too), so `make setup` starts it in the
background (`--background`) and goes on; the tests that need promtool wait for that build
(`wait_for_build`), which overlaps with the tests that run before them instead of adding to CI.
While nobody waits for it, the build takes only what the tests leave (lowest CPU and disk
priority); once a test waits for it, it is on the critical path and gets its normal share back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

VERSION = "v0.316.0"  # the module version (Prometheus 3.x)
MODULE = "github.com/prometheus/prometheus/cmd/promtool"


class PromtoolUnavailable(RuntimeError):
    """No promtool, and no Go toolchain to build one: the message says how to get it."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "charter" / "promtool" / VERSION


def cached() -> Path | None:
    """The promtool binary, if built (or PROMTOOL names one)."""
    named = os.environ.get("PROMTOOL")
    if named:
        return Path(named)
    path = cache_dir() / "promtool"
    return path if path.is_file() and os.access(path, os.X_OK) else None


def _build_files() -> tuple[Path, Path]:
    """The background build's pid file and log, beside the versioned cache directory."""
    base = cache_dir()
    return base.with_name(base.name + ".build.pid"), base.with_name(base.name + ".build.log")


def building() -> int | None:
    """The pid of a background build still running, if any."""
    pid_file, _ = _build_files()
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def start_background() -> str:
    """Start the build detached (its own session, so it outlives `make`); say what happened."""
    if cached() is not None:
        return f"promtool {VERSION} in {cached()}"
    if go() is None:
        return "skipping promtool: it is built from its Go module; install Go (https://go.dev/dl/)"
    if building() is not None:
        return f"promtool {VERSION} is being built (pid {building()})"
    pid_file, log = _build_files()
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    # The build runs while the tests do, on the same two cores and disk: it must only take what
    # they leave. `ionice -c 3` gives it idle disk priority (`go mod download` writes hundreds of
    # MB while the first servers import their modules), and `_yield_cpu` lowers its CPU weight.
    argv = [sys.executable, "-m", "infra.promtool"]
    if shutil.which("ionice"):
        argv = ["ionice", "-c", "3", *argv]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_yield_cpu, cwd=Path(__file__).resolve().parents[1],
        )
    pid_file.write_text(str(proc.pid))
    return f"building promtool {VERSION} in the background (pid {proc.pid}, log {log})"


def _yield_cpu() -> None:
    """In the build's child, after setsid: the lowest CPU weight. With scheduler autogroups (the
    Linux default on desktops and many servers) a new session is a group of its own and competes
    as a whole with the tests' group whatever its processes' nice values, so the group's own nice
    is lowered too (where the kernel has it)."""
    os.nice(19)
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text("19")


def wait_for_build(within: float = 1500.0) -> Path | None:
    """Wait for a background build to end (bounded); the binary, or None when there is none.
    The build is hurried first: somebody waits for it now."""
    deadline = time.monotonic() + within
    pid = building()
    if cached() is None and pid is not None:
        hurry(pid)
    while cached() is None and building() is not None and time.monotonic() < deadline:
        time.sleep(1.0)  # another process's build: nothing to await but its end
    return cached()


def hurry(leader: int) -> int:
    """Give the background build (session `leader` and every process in it: go, its compilers)
    normal CPU and disk priority again; how many processes were raised. Raising a priority needs
    CAP_SYS_NICE (root, as on CI): without it the build keeps its low priority and only the wait
    is longer."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{leader}/autogroup").write_text("0")
    raised = []
    for pid in session_pids(leader):
        try:
            os.setpriority(os.PRIO_PROCESS, pid, 0)  # children forked later inherit it
            raised.append(pid)
        except OSError:
            continue
    if raised and shutil.which("ionice"):
        # best effort, class 2 (best-effort) at the default level
        subprocess.run(["ionice", "-c", "2", "-n", "4", "-p", *map(str, raised)], capture_output=True, check=False)
    return len(raised)


def session_pids(leader: int) -> list[int]:
    """The live processes of session `leader` (the background build is its session's leader)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) == leader:  # field 6: the session id
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def build_log_tail() -> str:
    _, log = _build_files()
    try:
        return log.read_text()[-3000:]
    except OSError:
        return "(no build log)"


def go() -> str | None:
    return shutil.which("go") or (str(Path("/usr/local/go/bin/go")) if Path("/usr/local/go/bin/go").is_file() else None)


def build() -> Path:
    """Build promtool into the cache (minutes, once); raise PromtoolUnavailable without Go."""
    existing = cached()
    if existing is not None:
        return existing
    toolchain = go()
    if toolchain is None:
        raise PromtoolUnavailable("promtool is built from its Go module: install Go (https://go.dev/dl/)")
    target = cache_dir()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = {**os.environ, "GOBIN": str(staging), "GOFLAGS": "-buildvcs=false", "CGO_ENABLED": "0"}
    # Without Prometheus's service discoveries (Kubernetes, the clouds' SDKs): rule checks need
    # none of them, and they are most of the compile time.
    result = subprocess.run(
        [toolchain, "install", "-tags", "remove_all_sd", f"{MODULE}@{VERSION}"],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise PromtoolUnavailable(f"building promtool failed:\n{result.stderr[-4000:]}")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target / "promtool"


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.promtool [--background]`: build promtool now (or start building it and
    return), or say why not."""
    if "--background" in (sys.argv[1:] if argv is None else argv):
        print(start_background(), flush=True)
        return 0
    if cached() is not None:
        print(f"promtool {VERSION} in {cached()}")
        return 0
    print(f"building promtool {VERSION} from its Go module (once; a few minutes)...", flush=True)
    started = time.monotonic()
    try:
        path = build()
    except PromtoolUnavailable as exc:
        print(f"skipping promtool: {exc}", file=sys.stderr)
        return 0
    print(f"promtool {VERSION} in {path} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
