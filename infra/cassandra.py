"""An embedded Apache Cassandra 5.0 cluster: one node per data centre, on loopback addresses.

The jars come from Maven Central at set-up time (`infra/cassandra/pom.xml`, copied by
`mvn dependency:copy-dependencies` into a cache outside the repository) and each node is a plain
`java -cp <jars> org.apache.cassandra.service.CassandraDaemon` with a generated `cassandra.yaml`.
Every node gets its own loopback address (Linux routes all of 127/8 to lo), so the storage and
CQL ports can be the same on all of them, as the driver wants; JMX stays off (nothing here needs
nodetool, and it would be one more port to collide on).

Tuned to start fast on a small, shared machine: every node is a seed (seeds never bootstrap, so
the three start in parallel), one token each set explicitly, no gossip settling wait, a small heap,
the C1 compiler only, one compactor and few request threads.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infra.ports import free_port, port_free
from infra.processes import ManagedProcess, ProcessFailed, run_tool

POM = Path(__file__).with_name("cassandra") / "pom.xml"
READY = r"Starting listening for CQL clients on"
HOW_TO_GET_JAVA = (
    "Cassandra needs Java 17 and Maven: e.g. `apt-get install openjdk-17-jre-headless maven` "
    "(or set CASSANDRA_CONTACT_POINTS to use your own cluster)"
)
Progress = Callable[[str], None]


class CassandraUnavailable(RuntimeError):
    """Java or Maven is missing (or too old): the message says how to get them."""


def cassandra_version() -> str:
    match = re.search(r"<cassandra\.version>([^<]+)</cassandra\.version>", POM.read_text())
    assert match, f"{POM} names no cassandra.version"
    return match.group(1)


def cache_dir() -> Path:
    """Where the jars live: outside the repository, per version (a new version fetches anew)."""
    base = os.environ.get("CHARTER_CASSANDRA_CACHE")
    if base:
        return Path(base) / cassandra_version()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "charter" / "cassandra" / cassandra_version()


def _java_major(java: str) -> int:
    import subprocess

    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str:
    home = os.environ.get("JAVA_HOME")
    search = os.pathsep.join(filter(None, [f"{home}/bin" if home else "", os.environ.get("PATH", "")]))
    java = shutil.which("java", path=search)
    if java is None:
        raise CassandraUnavailable(f"no `java` on PATH. {HOW_TO_GET_JAVA}")
    major = _java_major(java)
    if major not in (11, 17):  # the Java versions Cassandra 5.0 runs on
        raise CassandraUnavailable(f"{java} is Java {major}; Cassandra 5.0 runs on Java 11 or 17. {HOW_TO_GET_JAVA}")
    return java


def jars_ready() -> bool:
    return (cache_dir() / "lib" / ".complete").is_file()


async def ensure_jars(progress: Progress = lambda _: None) -> Path:
    """The directory of Cassandra's jars, fetched with Maven the first time (about 100 MB)."""
    lib = cache_dir() / "lib"
    if jars_ready():
        return lib
    find_java()
    mvn = shutil.which("mvn")
    if mvn is None:
        raise CassandraUnavailable(f"no `mvn` on PATH. {HOW_TO_GET_JAVA}")
    progress(f"fetching Apache Cassandra {cassandra_version()} from Maven Central into {lib} (once)")
    lib.mkdir(parents=True, exist_ok=True)
    await run_tool(
        [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={lib}"],
        within=900,
    )
    (lib / ".complete").write_text(cassandra_version() + "\n")
    return lib


# Java 17 needs these to let Cassandra reach JDK internals (as its jvm17-server.options does).
_JPMS = [
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
]

_LOGBACK = """<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


@dataclass
class CassandraNode:
    dc: str
    address: str
    token: int
    base_dir: Path
    process: ManagedProcess | None = None

    @property
    def name(self) -> str:
        return f"cassandra-{self.dc}"

    def config(self, cluster_name: str, seeds: str, storage_port: int, native_port: int) -> dict[str, object]:
        d = self.base_dir
        return {
            "cluster_name": cluster_name,
            "num_tokens": 1,
            "initial_token": str(self.token),
            "allocate_tokens_for_local_replication_factor": None,
            "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
            "endpoint_snitch": "GossipingPropertyFileSnitch",
            "seed_provider": [{
                "class_name": "org.apache.cassandra.locator.SimpleSeedProvider",
                "parameters": [{"seeds": seeds}],
            }],
            "listen_address": self.address,
            "rpc_address": self.address,
            "storage_port": storage_port,
            "native_transport_port": native_port,
            "start_native_transport": True,
            "data_file_directories": [str(d / "data")],
            "commitlog_directory": str(d / "commitlog"),
            "saved_caches_directory": str(d / "saved_caches"),
            "hints_directory": str(d / "hints"),
            "cdc_raw_directory": str(d / "cdc_raw"),
            "commitlog_sync": "periodic",
            "commitlog_sync_period": "10000ms",
            "commitlog_segment_size": "8MiB",
            "commitlog_total_space": "64MiB",
            "authenticator": "AllowAllAuthenticator",
            "authorizer": "AllowAllAuthorizer",
            # A 2-core machine shared with other servers: few threads everywhere.
            "concurrent_reads": 4,
            "concurrent_writes": 4,
            "concurrent_counter_writes": 2,
            "concurrent_materialized_view_writes": 2,
            "concurrent_compactors": 1,
            "memtable_flush_writers": 1,
            "native_transport_max_threads": 16,
            "compaction_throughput": "0MiB/s",
            "memtable_heap_space": "64MiB",
            "memtable_offheap_space": "64MiB",
            "file_cache_size": "32MiB",
            "key_cache_size": "8MiB",
            "counter_cache_size": "0MiB",
            "prepared_statements_cache_size": "8MiB",
            "auto_snapshot": False,
            "batch_size_warn_threshold": "64KiB",
            "snapshot_on_duplicate_row_detection": False,
            "hinted_handoff_enabled": True,
            "max_hint_window": "1h",
            "dynamic_snitch": True,
            "disk_failure_policy": "stop",
            "commit_failure_policy": "stop",
            # The driver's reconnection after a node comes back is prompt on a short timeout.
            "read_request_timeout": "5000ms",
            "write_request_timeout": "2000ms",
            "range_request_timeout": "10000ms",
            "request_timeout": "10000ms",
        }

    def write_files(self, lib: Path, cluster_name: str, seeds: str, storage_port: int, native_port: int) -> list[str]:
        conf = self.base_dir / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs"):
            (self.base_dir / sub).mkdir(exist_ok=True)
        (conf / "cassandra.yaml").write_text(
            yaml.safe_dump(self.config(cluster_name, seeds, storage_port, native_port), sort_keys=False)
        )
        (conf / "cassandra-rackdc.properties").write_text(f"dc={self.dc}\nrack=rack1\nprefer_local=true\n")
        (conf / "logback.xml").write_text(_LOGBACK)
        jamm = next(lib.glob("jamm-*.jar"), None)
        return [
            find_java(),
            "-Xms256m", "-Xmx512m", "-Xss512k",
            "-XX:+UseSerialGC",  # one GC thread: the cheapest on two cores for a small heap
            # C1 only: starts markedly faster; C2 bought little throughput in a measured replay
            "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1",
            "-XX:ActiveProcessorCount=2",
            "-Djava.net.preferIPv4Stack=true",
            "-Djdk.attach.allowAttachSelf=true",
            *([f"-javaagent:{jamm}"] if jamm else []),
            *_JPMS,
            f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
            f"-Dcassandra-rackdc.properties=file://{conf / 'cassandra-rackdc.properties'}",
            f"-Dlogback.configurationFile={conf / 'logback.xml'}",
            f"-Dcassandra.logdir={self.base_dir / 'logs'}",
            f"-Dcassandra.storagedir={self.base_dir}",
            "-Dcassandra-foreground=yes",
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            "-Dcassandra.ring_delay_ms=1000",
            "-Dcassandra.superuser_setup_delay_ms=0",
            "-Dcassandra.consistent.rangemovement=false",
            "-Dcassandra.migration_task_wait_in_seconds=1",
            "-cp", f"{conf}:{lib}/*",
            "org.apache.cassandra.service.CassandraDaemon",
        ]


def _bindable(address: str, port: int) -> bool:
    return port_free(port, address)


def _pick_addresses(count: int) -> list[str]:
    """`count` loopback addresses in a random 127.x.y.0/24 that nobody on the machine uses yet."""
    rng = random.Random()
    for _ in range(50):
        prefix = f"127.{rng.randrange(20, 250)}.{rng.randrange(1, 250)}"
        candidates = [f"{prefix}.{i}" for i in range(1, count + 1)]
        if all(_bindable(a, 9042) and _bindable(a, 7000) for a in candidates):
            return candidates
    raise RuntimeError("no free loopback /24 found for Cassandra")


def _common_free_port(addresses: Sequence[str]) -> int:
    for _ in range(50):
        port = free_port(addresses[0])
        if all(_bindable(a, port) for a in addresses[1:]):
            return port
    raise RuntimeError("no port free on all Cassandra addresses")


@dataclass
class EmbeddedCassandra:
    """Three (or more) single-node data centres. `start()` returns once every node serves CQL."""

    base_dir: Path
    dcs: Sequence[str]
    cluster_name: str = "charter"
    nodes: list[CassandraNode] = field(default_factory=list)
    native_port: int = 0
    storage_port: int = 0
    started_in_s: float = 0.0

    @property
    def contact_points(self) -> list[str]:
        return [n.address for n in self.nodes]

    def node(self, dc: str) -> CassandraNode:
        return next(n for n in self.nodes if n.dc == dc)

    async def start(self, progress: Progress = lambda _: None, within: float = 180.0) -> None:
        started = time.monotonic()
        lib = await ensure_jars(progress)
        addresses = _pick_addresses(len(self.dcs))
        self.storage_port = _common_free_port(addresses)
        self.native_port = _common_free_port(addresses)
        # Evenly spread single tokens over the Murmur3 ring.
        step = 2**64 // len(self.dcs)
        self.nodes = [
            CassandraNode(dc, address, -(2**63) + i * step, self.base_dir / dc)
            for i, (dc, address) in enumerate(zip(self.dcs, addresses, strict=True))
        ]
        seeds = ",".join(f"{a}:{self.storage_port}" for a in addresses)
        for node in self.nodes:
            argv = node.write_files(lib, self.cluster_name, seeds, self.storage_port, self.native_port)
            node.process = ManagedProcess(node.name, argv, log_path=node.base_dir / "logs" / "stdout.log")
        progress(f"starting Cassandra {cassandra_version()}: {len(self.nodes)} nodes "
                 f"({', '.join(f'{n.dc}@{n.address}' for n in self.nodes)}), CQL port {self.native_port}")
        try:
            await asyncio.gather(*(self._start_node(n, within) for n in self.nodes))
        except BaseException:
            await self.stop()
            raise
        self.started_in_s = time.monotonic() - started

    async def _start_node(self, node: CassandraNode, within: float) -> None:
        """Ready when it serves CQL and has seen every other node up (so the ring is whole and
        a keyspace made next replicates to every data centre)."""
        assert node.process is not None
        peers = [
            node.process.expect(rf"InetAddress /{re.escape(n.address)}:{self.storage_port} is now UP")
            for n in self.nodes if n is not node
        ]
        await node.process.start(READY, within=within)
        try:
            await asyncio.wait_for(asyncio.gather(*peers), within)
        except TimeoutError:
            raise ProcessFailed(f"{node.name} never saw all its peers up\n{node.process.tail()}") from None

    async def restart(self, dc: str, within: float = 120.0) -> None:
        """Start a stopped node again (same data, same address and ports)."""
        node = self.node(dc)
        assert node.process is not None
        await node.process.start(READY, within=within)

    async def kill(self, dc: str) -> None:
        """Hard-stop one data centre's node (SIGKILL: a crash, not a clean shutdown)."""
        import signal

        node = self.node(dc)
        if node.process is not None:
            node.process.stop_signal = signal.SIGKILL
            await node.process.stop()
            node.process.stop_signal = signal.SIGTERM

    async def stop(self, graceful: bool = True) -> None:
        """SIGTERM (Cassandra drains and flushes; SIGKILL after 15 s), or at once with
        `graceful=False` for throw-away clusters: the commit log makes that safe anyway."""
        import signal

        for node in self.nodes:
            if node.process is not None and not graceful:
                node.process.stop_signal = signal.SIGKILL
        await asyncio.gather(*(n.process.stop(within=15) for n in self.nodes if n.process is not None),
                             return_exceptions=True)


__all__ = [
    "HOW_TO_GET_JAVA",
    "CassandraUnavailable",
    "EmbeddedCassandra",
    "ProcessFailed",
    "cache_dir",
    "ensure_jars",
    "find_java",
    "jars_ready",
]


def main() -> int:
    """`python -m infra.cassandra`: fetch the jars now (make setup), or say why not."""
    try:
        lib = asyncio.run(ensure_jars(print))
    except CassandraUnavailable as exc:
        print(f"skipping Cassandra: {exc}")
        return 0
    print(f"Cassandra {cassandra_version()} jars in {lib}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
