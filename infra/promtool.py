"""Prometheus's own `promtool`, to check and unit-test the alerting rules in infra/observability/.

Built from its Go module (github.com/prometheus/prometheus/cmd/promtool, through the Go module
proxy) into a cache outside the repository, once per version: `python -m infra.promtool` (run by
`make setup` where Go is installed). Machines without Go say so and skip the build.
"""

from __future__ import annotations

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


def main() -> int:
    """`python -m infra.promtool`: build promtool now (make setup), or say why not."""
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
