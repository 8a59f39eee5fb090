"""A platform stack inside one event loop: embedded PostgreSQL (primary + replicas), seeded, and
the three subgraphs of a region served over real HTTP. Tests use it; `charter up` runs the same
pieces as separate processes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra.inprocess import ServedApp, serve_in_loop, wait_started
from infra.postgres import EmbeddedCluster


@dataclass
class InProcessStack:
    cluster: EmbeddedCluster
    region: str
    served: dict[str, ServedApp] = field(default_factory=dict)

    def url(self, subgraph: str) -> str:
        return self.served[subgraph].url

    def statements(self) -> int:
        """SQL statements sent so far by all subgraphs of the stack."""
        return sum(s.app.state.db.statements.count for s in self.served.values() if hasattr(s.app.state, "db"))

    async def stop(self) -> None:
        for served in self.served.values():
            await served.stop()
        await self.cluster.stop()
        shutil.rmtree(self.cluster.base_dir, ignore_errors=True)


async def start_stack(
    region: str = "ams",
    *,
    apply_delay_ms: int | None = None,
    consistency_wait_ms: float = 250.0,
    seed: bool = True,
    settings_overrides: dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> InProcessStack:
    """`settings_overrides` (Settings fields) e.g. put the metrics subgraph on Cassandra; given as
    a coroutine function, it is awaited once the database is seeded (so a server it starts comes
    up meanwhile)."""
    from subgraphs.common.app import create_app
    from subgraphs.registry import SUBGRAPHS, schema_of
    from subgraphs.seed.run import seed as run_seed
    from subgraphs.settings import Settings

    base = Path(tempfile.mkdtemp(prefix="charter-stack-"))
    cluster = EmbeddedCluster(base, [region], apply_delay_ms=apply_delay_ms)
    stack = InProcessStack(cluster, region)
    try:
        await cluster.start()
        if seed:
            await run_seed(cluster.primary_url())
        settings = Settings(
            region=region,
            primary_url=cluster.primary_url(),
            replica_url=cluster.replica_url(region),
            consistency_wait_ms=consistency_wait_ms,
        )
        overrides = await settings_overrides() if callable(settings_overrides) else settings_overrides
        settings = replace(settings, **(overrides or {}))
        for name in SUBGRAPHS:
            stack.served[name] = serve_in_loop(create_app(schema_of(name), settings, name))
        await wait_started(stack.served.values())
    except BaseException:
        await stack.stop()
        raise
    return stack
