"""The load generator: wrk (Debian package) with `post.lua`, one thread, fixed connections.

wrk is C and event-driven: one thread at 32 connections costs a fraction of a core, leaving the
rest to the gateway. Figures come from the Lua `done` hook as one JSON line, not from wrk's text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

LUA_SCRIPT = Path(__file__).with_name("post.lua")
MARKER = "WRK_JSON "


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int  # connect + read + write
    non_2xx: int  # wrk counts HTTP statuses above 399
    timeouts: int
    bad_bodies: int  # 200 answers with GraphQL errors or too short to be the answer

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx + self.timeouts

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "errors": self.errors}


def ensure_wrk() -> str:
    """Path of wrk, installing the Debian package first if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def wrk_command(
    wrk: str, url: str, *, connections: int, duration_s: float, threads: int = 1
) -> list[str]:
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",  # wrk's default 2 s would drop slow peers' answers from the latency figures
        "-s",
        str(LUA_SCRIPT),
        url,
    ]


def wrk_env(payload_path: Path, body_scan: bool = True) -> dict[str, str]:
    return {"BENCH_PAYLOAD": str(payload_path), "BENCH_BODY_SCAN": "1" if body_scan else "0"}


def parse_wrk_output(text: str) -> LoadResult:
    line = next((ln for ln in text.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError(f"wrk printed no {MARKER.strip()} line:\n{text[-2000:]}")
    raw = orjson.loads(line[len(MARKER) :])
    duration_s = raw["duration_us"] / 1e6
    return LoadResult(
        requests=raw["requests"],
        duration_s=duration_s,
        rps=raw["requests"] / duration_s if duration_s else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        socket_errors=raw["connect"] + raw["read"] + raw["write"],
        non_2xx=raw["status"],
        timeouts=raw["timeout"],
        bad_bodies=raw["bad_bodies"],
    )
