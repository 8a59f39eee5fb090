"""The relay publishes every outbox row to JetStream once, in order, with Nats-Msg-Id = its id;
it is woken by NOTIFY (not its poll); streams are created and updated idempotently."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import replace

import nats
from nats.js.api import RetentionPolicy

from infra.nats import NatsServer
from subgraphs.db.consistency import lsn_int
from subgraphs.events.config import StreamSettings
from subgraphs.events.streams import ensure_streams
from tests.events.harness import (
    RECORD,
    Gql,
    Platform,
    create_project,
    event_settings,
    outbox_rows,
    read_stream,
    running_relay,
)

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]


async def test_streams_are_created_and_brought_to_their_settings(fresh_nats_server: NatsServer) -> None:
    settings = event_settings([fresh_nats_server.url])
    nc = await nats.connect(fresh_nats_server.url)
    try:
        js = nc.jetstream()
        assert await ensure_streams(js, settings.streams) == dict.fromkeys(("COVENANT", "ALERTS", "NOTIFICATIONS", "AUDIT"), "created")
        assert set((await ensure_streams(js, settings.streams)).values()) == {"unchanged"}
        changed = tuple(replace(s, max_age_s=7200, duplicate_window_s=60) if s.name == "AUDIT" else s for s in settings.streams)
        assert (await ensure_streams(js, changed))["AUDIT"] == "updated"
        info = await js.stream_info("AUDIT")
        assert info.config.subjects == ["audit.>"] and info.config.max_age == 7200 and info.config.duplicate_window == 60
        assert info.config.num_replicas == 1 and RetentionPolicy(info.config.retention) is RetentionPolicy.LIMITS
    finally:
        await nc.close()


def test_stream_settings_are_checked() -> None:
    import pytest

    with pytest.raises(ValueError, match="retention"):
        StreamSettings("X", ("x.>",), retention="forever")
    with pytest.raises(ValueError, match="duplicate window"):
        StreamSettings("X", ("x.>",), max_age_s=10, duplicate_window_s=60)


async def test_every_row_published_once_in_order_promptly(platform: Platform, gql: Gql, nats_server: NatsServer) -> None:
    settings = event_settings([nats_server.url], poll_s=60.0)  # only NOTIFY can wake it in time
    async with running_relay(platform.database_url, settings):
        pid = await create_project(gql, "Relay order")
        started = time.monotonic()
        points = [{"kind": "SPEND_USD", "value": 1000.0 * i, "at": f"2025-0{i}-01T00:00:00Z"} for i in range(1, 8)]
        body = await gql("metrics", RECORD, {"p": pid, "points": points})
        assert body["data"]["recordMetrics"]["recorded"] == 7
        rows = await outbox_rows(platform.database_url, "payload->>'projectId' = $1 AND subject LIKE 'covenant.%'", pid)
        got = await read_stream([nats_server.url], "COVENANT", wanted={r["id"] for r in rows}, within=5)
        delay = time.monotonic() - started
    assert delay < 3, f"took {delay:.1f}s: the relay was not woken by NOTIFY"
    mine = [m for m in got if m.payload.get("projectId") == pid]
    assert [m.msg_id for m in mine] == [r["id"] for r in rows]  # order kept, Nats-Msg-Id = outbox id
    assert [m.payload for m in mine] == [r["payload"] for r in rows]
    assert [m.subject for m in mine] == [r["subject"] for r in rows]
    assert all(a.stream_seq < b.stream_seq for a, b in itertools.pairwise(mine))
    # Each carries a WAL position at or past the write's commit (its consistency token), which the
    # gateway's cache compares with what a read reflects.
    written = lsn_int(body["extensions"]["consistencyToken"])
    assert written is not None
    assert all((lsn_int(m.position) or 0) >= written for m in mine), [m.position for m in mine]
    sent = await outbox_rows(platform.database_url, "id = ANY($1::uuid[])", [r["id"] for r in rows])
    assert all(r["sent_at"] is not None for r in sent)


async def test_three_relays_publish_each_row_once(platform: Platform, gql: Gql, nats_server: NatsServer) -> None:
    settings = event_settings([nats_server.url], poll_s=1.0, relay_batch=7)
    pid = await create_project(gql, "Relay race")
    async with (
        running_relay(platform.database_url, settings, "r1") as r1,
        running_relay(platform.database_url, settings, "r2") as r2,
        running_relay(platform.database_url, settings, "r3") as r3,
    ):
        async def write(i: int) -> None:
            points = [{"kind": "BENEFICIARIES", "value": float(i * 10 + j), "at": f"2025-01-{j + 1:02d}T{i % 24:02d}:00:00Z"} for j in range(5)]
            body = await gql("metrics", RECORD, {"p": pid, "points": points})
            assert "errors" not in body, body

        await asyncio.gather(*(write(i) for i in range(20)))
        rows = await outbox_rows(platform.database_url, "payload->>'projectId' = $1 AND subject LIKE 'covenant.metric.%'", pid)
        assert len(rows) == 100
        got = await read_stream([nats_server.url], "COVENANT", wanted={r["id"] for r in rows}, within=15)
    mine = [m for m in got if m.payload.get("projectId") == pid]
    assert sorted(m.msg_id for m in mine) == sorted(r["id"] for r in rows)  # each once: no copy stored
    assert r1.stats.duplicates + r2.stats.duplicates + r3.stats.duplicates == 0  # and none even sent twice
    assert [m.msg_id for m in mine] == [r["id"] for r in rows]  # one relay at a time: outbox order


async def test_sent_rows_are_deleted_after_the_keep_time_pending_ones_never(platform: Platform, gql: Gql, nats_server: NatsServer) -> None:
    import asyncpg

    from subgraphs.events.relay import Relay

    pid = await create_project(gql, "Relay cleanup")
    rows = await outbox_rows(platform.database_url, "payload->>'id' = $1 OR payload->'target'->>'id' = $1", pid)
    conn = await asyncpg.connect(platform.database_url)
    try:
        await conn.execute("UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE id = $1::uuid", rows[0]["id"])
        await Relay(platform.database_url, event_settings([nats_server.url], outbox_keep_s=3600))._delete_old(conn)
    finally:
        await conn.close()
    left = await outbox_rows(platform.database_url, "id = ANY($1::uuid[])", [r["id"] for r in rows])
    assert [r["id"] for r in left] == [r["id"] for r in rows[1:]]  # the pending audit row stays
