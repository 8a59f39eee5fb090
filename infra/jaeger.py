"""A local trace backend: Jaeger (v2, the all-in-one `jaeger` binary) built from its Go module.

`python -m infra.jaeger` (run by `make setup` when Go is present) builds it once into
~/.cache/charter/jaeger/<version>/jaeger: a throwaway module there requires the Jaeger module
as a tool (`go get -tool`), then `go build`s it. Nothing is vendored into the repo; the module
cache and Go's build cache make a second build cheap, and the binary is reused while it exists.

`JaegerServer` runs it on loopback, on free ports, with in-memory storage: OTLP over gRPC and
HTTP in, the query API and UI (`/api/traces`, `/search`) out. Ready once the query API answers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.ports import free_ports
from infra.processes import ManagedProcess

VERSION = "v1.76.0"
MODULE = "github.com/jaegertracing/jaeger"
PACKAGE = f"{MODULE}/cmd/jaeger"
CACHE = Path(os.environ.get("CHARTER_CACHE_DIR", Path.home() / ".cache" / "charter")) / "jaeger" / VERSION


class JaegerUnavailable(RuntimeError):
    """No Jaeger binary and no Go toolchain to build one."""


def binary_path() -> Path:
    return CACHE / "jaeger"


def go_binary() -> str | None:
    return shutil.which("go") or (str(Path("/usr/local/go/bin/go")) if Path("/usr/local/go/bin/go").exists() else None)


def available() -> bool:
    """A Jaeger binary is built, or can be (Go is installed)."""
    return binary_path().exists() or go_binary() is not None


def build(progress: Callable[[str], None] = print) -> Path:
    """The binary, built first if it is not cached (minutes the first time: Jaeger is large)."""
    target = binary_path()
    if target.exists():
        return target
    go = go_binary()
    if go is None:
        raise JaegerUnavailable("Jaeger is not built and Go is not installed (https://go.dev/dl/)")
    work = CACHE / "module"
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    started = time.monotonic()

    def go_run(*args: str) -> None:
        done = subprocess.run([go, *args], cwd=work, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"go {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")

    if not (work / "go.mod").exists():
        go_run("mod", "init", "charter.local/jaeger")
    progress(f"building Jaeger {VERSION} from its Go module (once; cached in {CACHE})")
    go_run("get", "-tool", f"{PACKAGE}@{VERSION}")
    partial = target.with_suffix(".partial")
    go_run("build", "-o", str(partial), PACKAGE)
    partial.replace(target)  # never a half-written binary under the final name
    progress(f"built {target} in {time.monotonic() - started:.0f}s")
    return target


def _config(otlp_grpc: int, otlp_http: int, query_http: int, query_grpc: int, health: int, host: str) -> str:
    # The all-in-one's pipeline reduced to what the stack uses: OTLP in, memory storage, the
    # query service; every port given (the defaults 4317/4318/16686 may be another stack's).
    return f"""
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: "{host}:{health}"
  jaeger_query:
    enable_tracing: false  # its own spans would go to the default OTLP port
    storage:
      traces: memstore
    http:
      endpoint: "{host}:{query_http}"
    grpc:
      endpoint: "{host}:{query_grpc}"
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "{host}:{otlp_grpc}"
      http:
        endpoint: "{host}:{otlp_http}"
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""


@dataclass
class JaegerServer:
    data_dir: Path
    host: str = "127.0.0.1"
    ports: list[int] = field(default_factory=list)
    _process: ManagedProcess | None = None

    @property
    def otlp_grpc(self) -> str:
        return f"http://{self.host}:{self.ports[0]}"

    @property
    def otlp_http(self) -> str:
        return f"http://{self.host}:{self.ports[1]}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ports[2]}"

    @property
    def process(self) -> ManagedProcess | None:
        return self._process

    async def start(self, binary: Path | None = None, within: float = 60.0) -> None:
        binary = binary or binary_path()
        if not binary.exists():
            raise JaegerUnavailable(f"{binary} is not built (python -m infra.jaeger)")
        if not self.ports:
            self.ports = free_ports(5, self.host)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "jaeger.yaml"
        otlp_grpc, otlp_http, query_http, query_grpc, health = self.ports
        config.write_text(_config(otlp_grpc, otlp_http, query_http, query_grpc, health, host=self.host))
        self._process = ManagedProcess(
            "jaeger", [str(binary), "--config", str(config)], log_path=self.data_dir / "jaeger.log"
        )
        await self._process.start(None)
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if not self._process.running:
                    raise RuntimeError(f"jaeger exited while starting:\n{self._process.tail()}")
                try:
                    if (await client.get(f"{self.ui_url}/api/services")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    await self.stop()
                    raise RuntimeError(f"jaeger did not answer within {within:.0f}s")
                await asyncio.sleep(0.1)  # polling a port: there is no event to await

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop()
            self._process = None


def main() -> int:
    """`make setup`: build Jaeger when Go is here (and say so, and go on, when it is not)."""
    if binary_path().exists():
        print(f"Jaeger {VERSION}: {binary_path()}")
        return 0
    if go_binary() is None:
        print("Go is not installed: no local Jaeger (charter up --tracing needs it; tests use an OTLP receiver)")
        return 0
    if os.environ.get("CI"):
        # Minutes of compiling would eat CI's budget: there the trace test reads an OTLP receiver.
        print("CI: Jaeger is not built here (make jaeger CI= builds it); the trace test uses an OTLP receiver")
        return 0
    try:
        path = build()
    except RuntimeError as exc:
        print(f"Jaeger build failed: {exc}", file=sys.stderr)
        return 1
    print(f"Jaeger {VERSION}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
