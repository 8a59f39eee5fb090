"""One `cassandra-driver` session per process, used from asyncio without blocking the loop.

The driver does its I/O on its own thread (libev); `execute_async` returns a `ResponseFuture`
whose callbacks run there, so `aexecute` hands each result over to the event loop with
`call_soon_threadsafe`. Statements are prepared once per session (`prepare`, cached by text).
Load balancing: token-aware (the coordinator is a replica of the partition) over DC-aware round
robin with the region's own data centre local, and remote hosts used only when the local data
centre has none up: that is how a region whose node is down fails over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    ResponseFuture,
    Session,
)
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import PreparedStatement

KEYSPACE = "charter_metrics"
LOCAL_ONE = ConsistencyLevel.LOCAL_ONE
LOCAL_QUORUM = ConsistencyLevel.LOCAL_QUORUM
QUORUM = ConsistencyLevel.QUORUM


def _contact(points: Sequence[str], default_port: int) -> tuple[list[str], int]:
    """Hosts and the one CQL port the driver uses for all of them (host:port or bare hosts)."""
    hosts, ports = [], set()
    for point in points:
        host, _, port = point.rpartition(":") if point.count(":") == 1 else (point, "", "")
        hosts.append(host or point)
        ports.add(int(port) if port else default_port)
    if len(ports) > 1:
        raise ValueError(f"CASSANDRA_CONTACT_POINTS must share one port, got {sorted(ports)}")
    return hosts, ports.pop() if ports else default_port


@dataclass
class CassandraSession:
    cluster: Cluster
    session: Session
    local_dc: str
    _prepared: dict[str, PreparedStatement] = field(default_factory=dict)
    _preparing: dict[str, asyncio.Future[PreparedStatement]] = field(default_factory=dict)

    async def prepare(self, cql: str) -> PreparedStatement:
        found = self._prepared.get(cql)
        if found is not None:
            return found
        pending = self._preparing.get(cql)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(self.session.prepare, cql))
            self._preparing[cql] = pending
        try:
            stmt = await pending
        finally:
            self._preparing.pop(cql, None)
        self._prepared[cql] = stmt
        return stmt

    async def execute(
        self, cql: str, params: Sequence[Any] = (), consistency: int = LOCAL_ONE, idempotent: bool = True
    ) -> list[Any]:
        """Run a prepared statement; every page of the result, as rows."""
        stmt = await self.prepare(cql)
        bound = stmt.bind(params)
        bound.consistency_level = consistency
        bound.is_idempotent = idempotent  # lets the driver retry it on another host after a timeout
        return await aexecute(self.session, bound)

    async def ddl(self, cql: str) -> None:
        # Schema changes wait for agreement between the nodes: a blocking call, kept off the loop.
        await asyncio.to_thread(self.session.execute, cql, timeout=120)

    async def close(self) -> None:
        await asyncio.to_thread(self.cluster.shutdown)


def aexecute(session: Session, statement: Any, params: Any = None) -> asyncio.Future[list[Any]]:
    loop = asyncio.get_running_loop()
    result: asyncio.Future[list[Any]] = loop.create_future()
    rows: list[Any] = []
    response: ResponseFuture = session.execute_async(statement, params)

    def resolve(value: Any, error: BaseException | None) -> None:
        if result.done():
            return
        if error is not None:
            result.set_exception(error)
        else:
            result.set_result(value)

    def on_page(page: Any) -> None:  # on the driver's thread
        try:
            if page:  # None for statements that return no rows (INSERT, BATCH)
                rows.extend(page)
            if response.has_more_pages:
                response.start_fetching_next_page()
                return
        except Exception as exc:  # never leave the awaiting coroutine hanging
            loop.call_soon_threadsafe(resolve, None, exc)
            return
        loop.call_soon_threadsafe(resolve, rows, None)

    def on_error(exc: BaseException) -> None:
        loop.call_soon_threadsafe(resolve, None, exc)

    response.add_callbacks(on_page, on_error)
    return result


async def connect(
    contact_points: Sequence[str], port: int, local_dc: str, *, connect_timeout: float = 10.0
) -> CassandraSession:
    hosts, cql_port = _contact(contact_points, port)
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(
            # used_hosts_per_remote_dc: with the local DC down, its regions still get answers
            DCAwareRoundRobinPolicy(local_dc=local_dc, used_hosts_per_remote_dc=2),
        ),
        consistency_level=LOCAL_ONE,
        request_timeout=10.0,
    )
    cluster = Cluster(
        hosts,
        port=cql_port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=connect_timeout,
        control_connection_timeout=connect_timeout,
        # A dead node is noticed when its socket closes; come back quickly when it restarts.
        idle_heartbeat_interval=5,
        schema_metadata_enabled=True,
        token_metadata_enabled=True,
    )
    session = await asyncio.to_thread(cluster.connect)
    return CassandraSession(cluster, session, local_dc)
