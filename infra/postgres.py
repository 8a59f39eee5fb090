"""Embedded PostgreSQL: a primary and streaming replicas from the `pgserver` wheel's binaries.

We use the wheel only for its PostgreSQL 16 binaries and start them ourselves, on loopback TCP
ports with no Unix socket (so nothing needs /var/run), as an unprivileged user. Replicas are made
with `pg_basebackup -R` and stream from the primary; `apply_delay_ms` sets
`recovery_min_apply_delay` on them, which is how tests get a replica that is reliably behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infra.ports import free_ports
from infra.processes import ManagedProcess, run_tool
from infra.runas import RunAs, service_account

SUPERUSER = "postgres"
READY = r"database system is ready to accept (read-only )?connections"


def _pgserver_install() -> Path:
    # Only the wheel's files are used, not its Python wrapper: find it without importing it.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pgserver wheel is not installed (pip install pgserver)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _reachable_by_all(path: Path) -> bool:
    """Whether another user can traverse every parent directory and read `path`."""
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


# Bumped when the copy's layout changes, so an old copy is never reused.
LAYOUT = 2


def binaries_dir(run_as: RunAs) -> Path:
    """The `bin/` the service user can execute: the wheel's own, or a copy in a readable cache.

    The venv may live where the service user cannot reach (a clone under /root); we copy the
    34 MB install once to a cache dir rather than widening permissions on the user's directories.
    """
    install = _pgserver_install()
    if run_as.uid is None or _reachable_by_all(install / "bin" / "postgres"):
        return install / "bin"
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or "/var/tmp")
    try:
        traversable = all(p.stat().st_mode & stat.S_IXOTH for p in [cache_root, *cache_root.parents])
    except OSError:
        traversable = False
    if not traversable or cache_root.resolve().is_relative_to("/root"):
        cache_root = Path("/var/tmp")
    # Keyed by where the wheel is and when its binary was built: an upgraded wheel gets a new copy.
    source = install / "bin" / "postgres"
    digest = hashlib.sha1(f"{LAYOUT}:{install}:{source.stat().st_mtime_ns}".encode()).hexdigest()[:10]
    target = cache_root / f"charter-pginstall-{digest}"
    marker = target / ".complete"
    if not marker.exists():
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        # The wheel's binaries find their shared libraries through RPATHs relative to themselves
        # ($ORIGIN/../../../pgserver.libs): the copy keeps site-packages' layout below `tmp`.
        shutil.copytree(install, tmp / "pgserver" / "pginstall", symlinks=True)
        libs = install.parent.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, tmp / "pgserver.libs", symlinks=True)
        for root, dirs, files in os.walk(tmp):
            for name in dirs + files:
                p = Path(root) / name
                if not p.is_symlink():
                    p.chmod(
                        p.stat().st_mode
                        | stat.S_IROTH
                        | (stat.S_IXOTH if p.is_dir() or p.stat().st_mode & stat.S_IXUSR else 0)
                    )
        tmp.chmod(0o755)
        (tmp / ".complete").touch()
        try:
            tmp.rename(target)
        except OSError:  # another process won the race; use theirs
            shutil.rmtree(tmp, ignore_errors=True)
    return target / "pgserver" / "pginstall" / "bin"


@dataclass
class PostgresServer:
    """One postgres process over one data directory."""

    name: str
    data_dir: Path
    port: int
    bindir: Path
    run_as: RunAs
    settings: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    _process: ManagedProcess | None = None

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    async def start(self, within: float = 60.0) -> None:
        argv = [
            str(self.bindir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            f"listen_addresses={self.host}",
            "-c",
            "unix_socket_directories=",
        ]
        for key, value in self.settings.items():
            argv += ["-c", f"{key}={value}"]
        self._process = ManagedProcess(
            f"pg-{self.name}",
            argv,
            log_path=self.data_dir.parent / f"{self.name}.log",
            run_as=self.run_as,
            # SIGINT is PostgreSQL's "fast" shutdown: roll back clients, checkpoint, exit.
            stop_signal=__import__("signal").SIGINT,
        )
        await self._process.start(READY, within)

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop(within=30)
            self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running


# Development settings: this cluster is for a laptop or a test, never for data that matters.
PRIMARY_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "wal_level": "replica",
    "max_wal_senders": "20",
    # Replicas are cloned concurrently; keep WAL around so no clone finds its segment recycled.
    "wal_keep_size": "512MB",
    "max_connections": "200",
    "shared_buffers": "32MB",
}


class EmbeddedCluster:
    """A primary and `replicas` (named, e.g. after regions) under `base_dir`.

    Reuses data directories that exist, so a second `charter up` keeps the data of the first.
    """

    def __init__(
        self,
        base_dir: Path,
        replicas: list[str],
        *,
        database: str = "charter",
        apply_delay_ms: int | None = None,
        run_as: RunAs | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.database = database
        self.run_as = run_as or service_account()
        self.bindir = binaries_dir(self.run_as)
        ports = free_ports(1 + len(replicas))
        self.primary = PostgresServer(
            "primary", base_dir / "primary", ports[0], self.bindir, self.run_as, PRIMARY_SETTINGS
        )
        # Replicas must match the primary's max_* settings or recovery refuses to start.
        replica_settings = {
            "hot_standby": "on",
            "fsync": "off",
            "max_connections": PRIMARY_SETTINGS["max_connections"],
            "max_wal_senders": PRIMARY_SETTINGS["max_wal_senders"],
            "shared_buffers": "16MB",
        }
        if apply_delay_ms is not None:
            replica_settings["recovery_min_apply_delay"] = f"{apply_delay_ms}ms"
        self.replicas = {
            name: PostgresServer(
                f"replica-{name}",
                base_dir / f"replica-{name}",
                port,
                self.bindir,
                self.run_as,
                replica_settings,
            )
            for name, port in zip(replicas, ports[1:], strict=True)
        }

    def primary_url(self, driver: str = "postgresql") -> str:
        return self.primary.url(self.database, driver)

    def replica_url(self, name: str, driver: str = "postgresql") -> str:
        return self.replicas[name].url(self.database, driver)

    def _prepare_base(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self.run_as.uid is not None:
            blocked = [p for p in self.base_dir.resolve().parents if not p.stat().st_mode & stat.S_IXOTH]
            if blocked:
                raise RuntimeError(
                    f"PostgreSQL runs as {self.run_as.name!r}, which cannot traverse {blocked[0]}: "
                    "choose a data directory under one it can reach (e.g. under /tmp)"
                )
        self.base_dir.chmod(0o700)
        self.run_as.chown(str(self.base_dir))

    async def start(self) -> None:
        self._prepare_base()
        primary_dir = self.primary.data_dir
        if not (primary_dir / "PG_VERSION").exists():
            await run_tool(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(primary_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-instructions",
                ],
                run_as=self.run_as,
            )
        await self.primary.start()
        await self._ensure_database()
        await asyncio.gather(*(self._start_replica(r) for r in self.replicas.values()))

    async def _ensure_database(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.primary.url("postgres"))
        try:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", self.database
            )
            if not exists:
                await conn.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await conn.close()

    async def _start_replica(self, replica: PostgresServer) -> None:
        if not (replica.data_dir / "PG_VERSION").exists():
            await run_tool(
                [
                    str(self.bindir / "pg_basebackup"),
                    "-h",
                    self.primary.host,
                    "-p",
                    str(self.primary.port),
                    "-U",
                    SUPERUSER,
                    "-D",
                    str(replica.data_dir),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                ],
                run_as=self.run_as,
            )
        else:
            # The primary may have a new port this run: point the replica at it again.
            auto = replica.data_dir / "postgresql.auto.conf"
            lines = [
                ln for ln in auto.read_text().splitlines() if not ln.startswith("primary_conninfo")
            ]
            lines.append(
                f"primary_conninfo = 'host={self.primary.host} port={self.primary.port} user={SUPERUSER}'"
            )
            auto.write_text("\n".join(lines) + "\n")
        await replica.start()

    async def stop(self) -> None:
        # Replicas first, so they don't log reconnect attempts against a stopping primary.
        await asyncio.gather(*(r.stop() for r in self.replicas.values()))
        await self.primary.stop()

    async def __aenter__(self) -> EmbeddedCluster:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
