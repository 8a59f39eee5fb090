"""`charter up --nats-cluster`: three JetStream nodes, R3 streams, the relay and consumers running;
a metric recorded on a subgraph reaches JetStream and is counted, visible through the gateway."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import httpx
import nats

from infra.ports import free_port
from infra.processes import ManagedProcess
from tests.events.harness import RECORD, call, read_all, until

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]

COUNTS = '{ eventCounts { total byKind { key count } } }'


def _metric_count(body: dict[str, object]) -> int:
    kinds = body["data"]["eventCounts"]["byKind"]  # type: ignore[index]
    return next((k["count"] for k in kinds if k["key"] == "metric_recorded"), 0)


async def test_charter_up_runs_the_event_backbone_on_a_cluster() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="charter-up-events-"))
    port, base = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    up = ManagedProcess(
        "charter-up",
        [sys.executable, "-m", "charter", "up", "--regions", "ams", "--port", str(port),
         "--subgraph-base-port", str(base), "--data-dir", str(data_dir), "--nats-cluster"],
        env=env, log_path=data_dir / "up.log", stop_signal=signal.SIGINT,
    )
    try:
        await up.start(r"GraphiQL: http://127\.0\.0\.1:\d+/graphql", within=240)
        log = up.log_path.read_text()
        urls = re.search(r"three-node JetStream cluster \(R3 streams\) at (\S+)", log)
        assert urls, log
        nats_urls = urls.group(1).split(",")
        assert len(nats_urls) == 3
        metrics_url = re.search(r"metrics@ams at (\S+)", log).group(1)  # type: ignore[union-attr]
        gateway = f"http://127.0.0.1:{port}/graphql"

        nc = await nats.connect(servers=nats_urls)
        try:
            js = nc.jetstream()
            for stream in ("COVENANT", "ALERTS", "NOTIFICATIONS", "AUDIT"):
                info = await js.stream_info(stream)
                assert info.config.num_replicas == 3 and info.cluster is not None, stream
                assert len(info.cluster.replicas or []) == 2  # the leader and two more copies
        finally:
            await nc.close()

        async with httpx.AsyncClient(timeout=30) as client:
            before = _metric_count(await call(client, gateway, COUNTS))
            # a point inside the seeded project's window (recordMetrics refuses one outside it)
            window = await call(client, gateway, '{ project(id: "prj-ams-001") { startDate } }')
            at = f"{window['data']['project']['startDate']}T00:00:00Z"
            body = await call(client, metrics_url, RECORD, {"p": "prj-ams-001", "points": [
                {"kind": "BENEFICIARIES", "value": 42.0, "at": at}]})
            assert body["data"]["recordMetrics"]["recorded"] == 1, body

            async def published() -> bool:
                return any(m.payload.get("projectId") == "prj-ams-001" and m.payload.get("value") == 42.0
                           and m.msg_id == m.payload["eventId"] for m in await read_all(nats_urls, "COVENANT"))

            await until(published, 30, "the metric event in JetStream")

            async def counted() -> bool:
                return _metric_count(await call(client, gateway, COUNTS)) == before + 1

            await until(counted, 30, "the analytics consumer's count to show through the gateway")
        await up.stop(within=60)
        assert "charter up: stopped" in up.log_path.read_text()
        assert "charter events: ready" in (data_dir / "logs" / "events.log").read_text()
    finally:
        await up.stop(within=60)
        shutil.rmtree(data_dir, ignore_errors=True)
