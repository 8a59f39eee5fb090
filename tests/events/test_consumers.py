"""The analytics consumer counts each event once (served as Query.eventCounts); the cache
invalidation consumer calls its hooks once per event with what went stale."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter

import nats

from infra.nats import NatsServer
from subgraphs.events.cache import CacheInvalidator, ChangeEvent, EntityRef, load_hook
from tests.events.harness import (
    RECORD,
    Gql,
    Platform,
    applied_once,
    create_project,
    event_settings,
    outbox_rows,
    running_analytics,
    running_handler,
    running_relay,
)

pytest_plugins = ["tests.events.harness", "infra.testing_nats"]

COUNTS = """query($from: Date, $to: Date) { eventCounts(from: $from, to: $to) {
  total byKind { key count } byRegion { key count } byDay { day kind region count } } }"""


def _as_dict(entries: list[dict[str, object]]) -> dict[str, int]:
    return {str(e["key"]): int(e["count"]) for e in entries}  # type: ignore[call-overload]


async def test_analytics_counts_every_event_once(platform: Platform, gql: Gql, fresh_nats_server: NatsServer) -> None:
    settings = event_settings([fresh_nats_server.url])
    # Rows earlier tests on this session's platform left unsent (a relay killed mid-batch, writes
    # made with no relay running): this relay publishes them too. They are counted before
    # `before` is read, so that the deltas below are this test's events only.
    backlog = await outbox_rows(platform.database_url, "sent_at IS NULL")
    async with running_relay(platform.database_url, settings), running_analytics(platform.database_url, settings):
        await applied_once(platform.database_url, [r["id"] for r in backlog], within=60)
        before = (await gql("metrics", COUNTS))["data"]["eventCounts"]
        first = await outbox_rows(platform.database_url, "seq = (SELECT max(seq) FROM outbox)")
        pid = await create_project(gql, "Analytics", region="syd")
        body = await gql("metrics", RECORD, {"p": pid, "points": [
            {"kind": "PROGRESS", "value": 0.1, "at": "2025-01-01T00:00:00Z"},
            {"kind": "PROGRESS", "value": 0.2, "at": "2025-02-01T00:00:00Z"},
            {"kind": "BENEFICIARIES", "value": 10, "at": "2025-02-01T00:00:00Z"},
        ]})
        assert "errors" not in body, body
        rows = await outbox_rows(platform.database_url, "seq > $1", first[0]["seq"] if first else 0)
        await applied_once(platform.database_url, [r["id"] for r in rows])

        # A copy of an event published again under another Nats-Msg-Id (as after the duplicate
        # window): JetStream stores it, the consumer does not count it.
        nc = await nats.connect(fresh_nats_server.url)
        try:
            copy = rows[-1]
            await nc.jetstream().publish(copy["subject"], json.dumps(copy["payload"]).encode(), headers={"Nats-Msg-Id": "copy-" + copy["id"]})
        finally:
            await nc.close()
        marker = await create_project(gql, "Analytics marker", region="syd")  # applied after the copy
        marker_rows = await outbox_rows(platform.database_url, "payload->>'id' = $1 OR payload->'target'->>'id' = $1", marker)
        await applied_once(platform.database_url, [r["id"] for r in marker_rows])
    after = (await gql("metrics", COUNTS))["data"]["eventCounts"]
    expected = Counter({"project_created": 2, "metric_recorded": 3, "audit": 3})
    assert after["total"] - before["total"] == sum(expected.values()) == len(rows) + len(marker_rows)
    delta = Counter(_as_dict(after["byKind"])) - Counter(_as_dict(before["byKind"]))
    assert delta == expected
    region_delta = Counter(_as_dict(after["byRegion"])) - Counter(_as_dict(before["byRegion"]))
    assert region_delta == Counter({"syd": 5, "ams": 3})  # covenant events: the project's; audit: where it ran
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert any(d["day"] == today and d["kind"] == "metric_recorded" and d["region"] == "syd" for d in after["byDay"])
    only_today = (await gql("metrics", COUNTS, {"from": today, "to": today}))["data"]["eventCounts"]
    assert {d["day"] for d in only_today["byDay"]} == {today}


async def test_event_counts_input_errors(gql: Gql) -> None:
    body = await gql("metrics", COUNTS, {"from": "2025-02-01", "to": "2025-01-01"})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_cache_hooks_get_each_change_once(platform: Platform, gql: Gql, fresh_nats_server: NatsServer) -> None:
    settings = event_settings([fresh_nats_server.url])
    seen: list[ChangeEvent] = []
    failures = {"left": 1}
    got_update = asyncio.Event()

    async def flaky_hook(change: ChangeEvent) -> None:
        if change.kind == "project_updated" and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("redis is away")  # the batch is redelivered
        seen.append(change)
        if change.kind == "project_updated":
            got_update.set()

    sync_calls: list[str] = []
    invalidator = CacheInvalidator([flaky_hook])
    invalidator.add_hook(lambda change: sync_calls.append(change.event.event_id))  # plain callables work too
    async with running_relay(platform.database_url, settings), running_handler(settings, invalidator, ["COVENANT"]):
        pid = await create_project(gql, "Cache")
        body = await gql("projects", 'mutation($id: ID!) { updateProject(id: $id, input: {progress: 0.3}) { id } }', {"id": pid})
        assert "errors" not in body, body
        await asyncio.wait_for(got_update.wait(), 15)
    mine = [c for c in seen if c.project_id == pid]
    assert [c.kind for c in mine] == ["project_created", "project_updated"]
    assert mine[1].stale == (EntityRef("Project", {"id": pid}),)
    assert len(sync_calls) == len(set(sync_calls))  # the redelivered batch called no hook twice
    assert failures["left"] == 0


def test_change_of_a_metric_event_names_the_project_metrics() -> None:
    from subgraphs.events.cache import change_of
    from subgraphs.events.consumer import Event

    event = Event("e1", "covenant.metric.ams.prj-ams-001", "COVENANT", 1, dt.datetime.now(dt.UTC), 1,
                  {"eventId": "e1", "projectId": "prj-ams-001", "kind": "PROGRESS", "value": 0.5, "at": "2025-01-01T00:00:00Z", "region": "ams"})
    change = change_of(event)
    assert change.kind == "metric_recorded" and change.stale == (EntityRef("Project", {"id": "prj-ams-001"}, ("metrics",)),)


def test_hooks_load_by_name() -> None:
    import pytest

    assert load_hook("json:dumps") is json.dumps
    with pytest.raises(ValueError, match="module:function"):
        load_hook("json.dumps")


async def test_a_batch_is_one_consumer_span_linked_to_each_messages_trace(fresh_nats_server: NatsServer) -> None:
    """The messages' trace context (what the relay puts in the headers) becomes links of the
    batch's CONSUMER span, so a trace backend leads from a mutation to whatever consumed it."""
    import os

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    from subgraphs.events.connection import connect
    from subgraphs.events.consumer import Event, run_consumers
    from subgraphs.events.streams import ensure_streams

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")

    class Recorder:
        name = "trace-test"

        def __init__(self) -> None:
            self.seen: list[Event] = []
            self.all_seen = asyncio.Event()

        async def apply(self, events: list[Event]) -> None:
            self.seen.extend(events)
            if len(self.seen) >= 3:
                self.all_seen.set()

    settings = event_settings([fresh_nats_server.url])
    traces = [os.urandom(16).hex() for _ in range(2)]
    nc = await connect(settings.nats_urls, "trace-test")
    stop = asyncio.Event()
    handler = Recorder()
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings.streams)
        for n, headers in enumerate([
            {"traceparent": f"00-{traces[0]}-{os.urandom(8).hex()}-01"},
            {"traceparent": f"00-{traces[1]}-{os.urandom(8).hex()}-01", "tracestate": "vendor=1"},
            {},  # written by a request that carried no trace
        ]):
            event = {"eventId": f"trace-{traces[0]}-{n}", "projectId": "p", "kind": "PROGRESS", "value": 1.0}
            await js.publish("covenant.metric.ams.p", json.dumps(event).encode(), headers={"Nats-Msg-Id": event["eventId"], **headers})
        task = asyncio.create_task(run_consumers(js, handler, ["COVENANT"], stop, tracer=tracer))
        try:
            await asyncio.wait_for(handler.all_seen.wait(), 20)
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
    finally:
        await nc.close()
    spans = [s for s in exporter.get_finished_spans() if s.name == "process COVENANT"]
    assert spans and all(s.kind == SpanKind.CONSUMER for s in spans)
    linked = {format(link.context.trace_id, "032x") for s in spans for link in s.links}
    assert linked == set(traces), (linked, traces)
    assert sum(s.attributes["messaging.batch.message_count"] for s in spans) == 3  # type: ignore[misc]
    assert all(s.attributes["messaging.consumer.group.name"] == "trace-test-covenant" for s in spans)
