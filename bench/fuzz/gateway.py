"""A `charter gateway` process over the fuzz subgraphs, and what the fuzzer reads of it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
RESPONSE_LIMIT = 256 * 1024  # bytes of a subgraph answer the gateway reads


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FuzzGateway:
    def __init__(self, supergraph: Path, log: Path) -> None:
        self.port = _free_port()
        charter = Path(sys.executable).parent / "charter"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [str(charter), "gateway", "--supergraph", str(supergraph), "--host", "127.0.0.1", "--port", str(self.port),
             "--max-subgraph-response-bytes", str(RESPONSE_LIMIT), "--subgraph-timeout", "5", "--no-dedup",
             "--no-subgraph-dedup", "--no-watch"],
            cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway exited: see {log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the gateway did not come up: see {log}")
            time.sleep(0.1)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
