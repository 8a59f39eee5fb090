"""syncPull / syncPush on the projects subgraph, on real PostgreSQL: WatermelonDB's shapes, conflicts
refused whole, repeated pushes applied once, tombstones, bad pushes refused with nothing written,
and a pull that cannot miss a row a concurrent transaction commits later."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from sync_support import changes, error_code, fingerprint, point, project, pull, push

from infra.stack import InProcessStack
from subgraphs.db.urls import plain_url

pytest_plugins = ["infra.testing"]

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z, in ms


def new_id() -> str:
    return uuid.uuid4().hex[:16]  # the shape of WatermelonDB's ids


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def changed(result: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    """Created or updated: how a pull classifies a pushed record depends on who pulls."""
    lists = result["changes"][table]
    return by_id(lists["created"] + lists["updated"])


@pytest.fixture(scope="module")
def url(stack: InProcessStack) -> str:
    return stack.url("projects")


async def _now(stack: InProcessStack) -> float:
    """What a client that is up to date now holds as lastPulledAt: the clock a pull would show
    (read directly: the pull itself would carry every row)."""
    conn = await asyncpg.connect(plain_url(stack.cluster.primary_url()))
    try:
        return float(await conn.fetchval("SELECT last_ms FROM sync_clock"))
    finally:
        await conn.close()


async def test_first_pull_has_everything_as_created(http: httpx.AsyncClient, url: str) -> None:
    result = await pull(http, url, None)
    assert set(result["changes"]) == {"nations", "projects", "metric_points"}
    nations = result["changes"]["nations"]
    assert len(nations["created"]) == 195 and nations["updated"] == nations["deleted"] == []
    kenya = by_id(nations["created"])["KE"]
    assert kenya["name"] == "Kenya" and kenya["alpha3"] == "KEN" and "search_names" not in kenya
    projects = by_id(result["changes"]["projects"]["created"])
    assert len(projects) >= 500
    seeded = projects["prj-ams-001"]
    assert set(seeded) == {"id", "name", "sector", "status", "budget_usd", "start_date", "end_date", "progress",
                           "home_region", "nation_id"}
    assert len(seeded["start_date"]) == 10 and seeded["nation_id"] in by_id(nations["created"])
    points = result["changes"]["metric_points"]["created"]
    assert len(points) > 10_000 and all(p["project_id"] in projects for p in points[:100])
    assert isinstance(points[0]["measured_at"], int) and points[0]["id"].startswith("mp-")
    assert result["timestamp"] > 1.7e12  # ms since the epoch


async def test_push_then_pull_shows_it_created_and_nothing_more(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    # Two clients pull while nothing changes: nothing new, and each pull has a timestamp of its own.
    x_pulled = await pull(http, url, since)
    pushers = await pull(http, url, since)
    for quiet in (x_pulled, pushers):
        assert all(lists == {"created": [], "updated": [], "deleted": []} for lists in quiet["changes"].values())
    assert since < x_pulled["timestamp"] < pushers["timestamp"]

    pid, mid = new_id(), new_id()
    body = await push(http, url, changes(
        projects={"created": [project(pid, name="  Well drilling ")]},
        metric_points={"created": [point(mid, pid, T0)]},
    ), pushers["timestamp"])
    assert body["data"]["syncPush"] == {"timestamp": body["data"]["syncPush"]["timestamp"], "created": 2,
                                        "updated": 0, "deleted": 0, "duplicate": False}, body
    # X learns of them as created.
    after = await pull(http, url, x_pulled["timestamp"])
    assert after["timestamp"] > body["data"]["syncPush"]["timestamp"] > pushers["timestamp"]
    created = by_id(after["changes"]["projects"]["created"])
    assert list(created) == [pid] and created[pid]["name"] == "Well drilling"  # trimmed, as createProject does
    assert after["changes"]["metric_points"]["created"] == [
        {"id": mid, "project_id": pid, "kind": "progress", "value": 0.25, "measured_at": T0}
    ]
    # The pusher's own next pull (from the same lastPulledAt) gets them back as updated: WatermelonDB
    # would bring a `created` record back to life had the client deleted it meanwhile.
    echo = await pull(http, url, pushers["timestamp"])
    assert echo["changes"]["projects"] == {"created": [], "updated": [created[pid]], "deleted": []}
    assert [p["id"] for p in echo["changes"]["metric_points"]["updated"]] == [mid]
    # The same records pushed as updates of what the client now has: nothing changes on the server.
    again = await push(http, url, changes(projects={"updated": [project(pid, name="Well drilling")]}), after["timestamp"])
    assert again["data"]["syncPush"]["updated"] == 0, again


async def test_the_same_push_twice_applies_once(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    pid = new_id()
    payload = changes(projects={"created": [project(pid)]},
                      metric_points={"created": [point(new_id(), pid, T0), point(new_id(), pid, T0 + 1000)]})
    first = await push(http, url, payload, since)
    assert first["data"]["syncPush"]["created"] == 3 and not first["data"]["syncPush"]["duplicate"], first
    before = await fingerprint(stack.cluster.primary_url())
    second = await push(http, url, payload, since)
    assert second["data"]["syncPush"] == {**first["data"]["syncPush"], "duplicate": True}, second
    assert await fingerprint(stack.cluster.primary_url()) == before, "the repeat wrote something"
    # Replayed by a client that pulled in between (a new lastPulledAt): still applied once.
    later = (await pull(http, url, since))["timestamp"]
    third = await push(http, url, payload, later)
    assert third["data"]["syncPush"]["created"] == 0 and third["data"]["syncPush"]["updated"] == 0, third
    points = [p for p in changed(await pull(http, url, since), "metric_points").values() if p["project_id"] == pid]
    assert len(points) == 2


async def test_applied_pushes_are_remembered_for_30_days(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    conn = await asyncpg.connect(plain_url(stack.cluster.primary_url()))
    try:
        day = 24 * 3600 * 1000
        await conn.executemany(
            "INSERT INTO sync_pushes (digest, applied_ms, summary) VALUES ($1, $2, '{}')",
            [("month-old", int(since) - 31 * day), ("week-old", int(since) - 7 * day)],
        )
        body = await push(http, url, changes(projects={"created": [project(new_id())]}), since)
        assert body["data"]["syncPush"]["created"] == 1, body
        kept = await conn.fetch("SELECT digest FROM sync_pushes WHERE digest LIKE '%-old'")
        assert [r["digest"] for r in kept] == ["week-old"]
    finally:
        await conn.close()


async def test_conflict_refuses_the_push_whole(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    pid = new_id()
    assert (await push(http, url, changes(projects={"created": [project(pid)]}), since))["data"]["syncPush"]
    client_pulled_at = (await pull(http, url, since))["timestamp"]
    # Another client changes the project on the server after this client's pull.
    other = await push(http, url, changes(projects={"updated": [project(pid, progress=0.5)]}), client_pulled_at)
    assert other["data"]["syncPush"]["updated"] == 1, other
    before = await fingerprint(stack.cluster.primary_url())
    innocent = new_id()
    body = await push(http, url, changes(
        projects={"created": [project(innocent)], "updated": [project(pid, name="Renamed offline")]},
    ), client_pulled_at)
    assert error_code(body) == "CONFLICT"
    assert body["errors"][0]["extensions"]["conflicts"] == [{"table": "projects", "id": pid, "reason": "was changed"}]
    assert "pull, then push again" in body["errors"][0]["message"]
    assert await fingerprint(stack.cluster.primary_url()) == before, "a refused push wrote something"
    # WatermelonDB then pulls, gets the server's version, and pushes again: accepted.
    fresh = await pull(http, url, client_pulled_at)
    assert by_id(fresh["changes"]["projects"]["updated"])[pid]["progress"] == 0.5
    retry = await push(http, url, changes(
        projects={"created": [project(innocent)], "updated": [project(pid, name="Renamed offline", progress=0.5)]},
    ), fresh["timestamp"])
    assert retry["data"]["syncPush"]["created"] == 1 and retry["data"]["syncPush"]["updated"] == 1, retry


async def test_conflict_on_a_record_deleted_on_the_server(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    pid = new_id()
    await push(http, url, changes(projects={"created": [project(pid)]}), since)
    pulled = (await pull(http, url, since))["timestamp"]
    await push(http, url, changes(projects={"deleted": [pid]}), pulled)
    body = await push(http, url, changes(projects={"updated": [project(pid, progress=0.9)]}), pulled)
    assert error_code(body) == "CONFLICT"
    assert body["errors"][0]["extensions"]["conflicts"][0] == {"table": "projects", "id": pid, "reason": "was deleted"}


async def test_tombstones_reach_a_client_offline_for_long(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    since = await _now(stack)
    pid, short_lived = new_id(), new_id()
    points = [point(new_id(), pid, T0 + i * 60_000) for i in range(3)]
    await push(http, url, changes(projects={"created": [project(pid)]}, metric_points={"created": points}), since)
    month_ago = (await pull(http, url, since))["timestamp"]  # the offline client's last pull
    await push(http, url, changes(projects={"created": [project(short_lived)]}), month_ago)
    # Many changes later, another client deletes both projects (their points go with them).
    later = (await pull(http, url, month_ago))["timestamp"]
    for _ in range(5):
        await push(http, url, changes(projects={"created": [project(new_id())]}), later)
        later = (await pull(http, url, later))["timestamp"]
    gone = await push(http, url, changes(projects={"deleted": [pid, short_lived, "neverExisted1234"]}), later)
    assert gone["data"]["syncPush"]["deleted"] == 2, gone  # an id the server never had: ignored
    back = await pull(http, url, month_ago)
    assert back["changes"]["projects"]["deleted"] == [pid], "a record created and deleted since is no news"
    assert short_lived not in by_id(back["changes"]["projects"]["created"])
    assert sorted(back["changes"]["metric_points"]["deleted"]) == sorted(p["id"] for p in points)
    # A first sync never sees tombstones, nor the deleted rows.
    fresh = await pull(http, url, None)
    assert pid not in by_id(fresh["changes"]["projects"]["created"]) and fresh["changes"]["projects"]["deleted"] == []
    # Deleting again (a client that missed the first delete) is accepted and changes nothing.
    repeat = await push(http, url, changes(projects={"deleted": [pid]}), back["timestamp"])
    assert repeat["data"]["syncPush"]["deleted"] == 0, repeat


BAD_PUSHES = {
    "unknown table": ({"tasks": {"created": [{"id": "abc"}], "updated": [], "deleted": []}}, "tasks"),
    "not an object": (["projects"], "changes"),
    "lists malformed": ({"projects": {"created": {"id": "x"}, "updated": [], "deleted": []}}, "projects.created"),
    "record without id": (changes(projects={"created": [{"name": "x"}]}), "projects.created[0].id"),
    "record not an object": (changes(projects={"created": ["abc"]}), "projects.created[0]"),
    "unknown column": (changes(projects={"created": [project("unknownCol000001", colour="red")]}), "projects.created[0].colour"),
    "missing column": (changes(projects={"created": [{"id": "missingCol000001", "name": "x"}]}), "projects.created[0].sector"),
    "forged id: update of a record the server never had": (
        changes(projects={"updated": [project("forgedId00000001")]}), "projects.updated[0].id"),
    "forged id: a server-style id": (changes(projects={"created": [project("prj-ams-999999")]}), "projects.created[0].id"),
    "forged id: not an id": (changes(projects={"created": [project("../../etc")]}), "projects.created[0].id"),
    "forged id: a trailing newline": (changes(projects={"created": [project("abcdefgh12345678\n")]}),
                                      "projects.created[0].id"),
    "forged point id": (changes(metric_points={"created": [point("mp-999999999", "prj-ams-001", T0)]}),
                        "metric_points.created[0].id"),
    "write to read-only nations": (changes(nations={"updated": [{"id": "KE", "name": "Kenia"}]}), "nations.updated"),
    "invalid values": (changes(projects={"created": [project(
        "badValues0000001", budget_usd=-5, progress=2, sector="mining", start_date="2026-13-01", home_region="xyz",
        nation_id="Kenya")]}), "projects.created[0].budget_usd"),
    "progress of a planned project": (changes(projects={"created": [project("planned000000001", status="planned", progress=0.5)]}),
                                      "projects.created[0].progress"),
    "nation code spelled as alpha-3 is fine, an unknown one is not": (
        changes(projects={"created": [project("alpha3Nation0001", nation_id="ken"), project("noNationCode0001", nation_id="XYZ")]}),
        "projects.created[1].nation_id"),
    "end before start": (changes(projects={"created": [project("badDates00000001", end_date="2025-01-01")]}),
                         "projects.created[0].end_date"),
    "unknown nation": (changes(projects={"created": [project("noNation00000001", nation_id="QQ")]}),
                       "projects.created[0].nation_id"),
    "point for no project": (changes(metric_points={"created": [point("orphanPoint00001", "noSuchProject123", T0)]}),
                             "metric_points.created[0].project_id"),
    "point value out of range": (changes(metric_points={"created": [point("badPoint00000001", "prj-ams-001", T0, value=7)]}),
                                 "metric_points.created[0].value"),
    "point update (add-only)": (changes(metric_points={"updated": [point("mp-1", "prj-ams-001", T0)]}), "metric_points.updated[0]"),
    "point delete (add-only)": (changes(metric_points={"deleted": ["mp-1"]}), "metric_points.deleted[0]"),
    "same id twice": (changes(projects={"created": [project("twiceId000000001")], "deleted": ["twiceId000000001"]}),
                      "projects.deleted[0]"),
}


@pytest.mark.parametrize("case", list(BAD_PUSHES))
async def test_bad_pushes_are_refused_with_nothing_written(
    case: str, stack: InProcessStack, http: httpx.AsyncClient, url: str
) -> None:
    payload, field = BAD_PUSHES[case]
    since = await _now(stack)
    good = new_id()
    lists = payload.get("projects") if isinstance(payload, dict) else None
    if isinstance(lists, dict) and isinstance(lists.get("created"), list):
        lists["created"] = [*lists["created"], project(good)]  # a valid record rides along, unwritten too
    before = await fingerprint(stack.cluster.primary_url())
    body = await push(http, url, payload, since)
    assert error_code(body) == "BAD_USER_INPUT", body
    fields = [f["field"] for f in body["errors"][0]["extensions"]["fields"]]
    assert field in fields, body
    assert await fingerprint(stack.cluster.primary_url()) == before, "a refused push wrote something"


async def test_bad_pull_and_push_arguments(http: httpx.AsyncClient, url: str) -> None:
    from sync_support import PULL, graphql

    for variables in ({"lastPulledAt": -1, "schemaVersion": 1}, {"lastPulledAt": None, "schemaVersion": 99},
                      {"lastPulledAt": 9e15, "schemaVersion": 1},
                      {"lastPulledAt": None, "schemaVersion": 1, "migration": {"from": 0, "tables": ["x"]}}):
        body = await graphql(http, url, PULL, variables)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (variables, body)
    for last in (0, 9e15):  # no pull yet; a time the server never gave
        body = await push(http, url, changes(), last)
        assert error_code(body) == "BAD_USER_INPUT", body


async def _until_blocked(conn: asyncpg.Connection, task: asyncio.Future[Any], waiting: int = 1) -> None:
    """Until `waiting` sessions wait for the clock's lock. PostgreSQL reports a lock wait nowhere
    we could await, so we look, bounded in time."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%charter_sync_stamp%'"
    for _ in range(1000):
        if await conn.fetchval(query) >= waiting:
            return
        assert not task.done(), f"it did not wait for the uncommitted writer: {task.result()}"
        await asyncio.sleep(0.01)
    raise AssertionError("it never reached the clock's lock")


async def test_a_pull_never_misses_a_row_committed_after_it(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    """A transaction has stamped a row and not committed: a pull now waits for it (it could commit
    below any timestamp the pull would give), then carries the row; a push from before the write
    meets it as a conflict."""
    since = await _now(stack)
    pid = new_id()
    await push(http, url, changes(projects={"created": [project(pid)]}), since)
    writer = await asyncpg.connect(plain_url(stack.cluster.primary_url()))
    watcher = await asyncpg.connect(plain_url(stack.cluster.primary_url()))
    try:
        tx = writer.transaction()
        await tx.start()
        stamp = await writer.fetchval("UPDATE projects SET progress = 0.75 WHERE id = $1 RETURNING sync_updated_ms", pid)
        pulling = asyncio.ensure_future(pull(http, url, since))
        await _until_blocked(watcher, pulling)
        pushing = asyncio.ensure_future(push(http, url, changes(projects={"updated": [project(pid, progress=0.8)]}), since))
        await _until_blocked(watcher, pushing, waiting=2)
        await tx.commit()
        during = await pulling
        assert during["timestamp"] > stamp
        assert changed(during, "projects")[pid]["progress"] == 0.75
        assert error_code(await pushing) == "CONFLICT"  # it saw the committed write
    finally:
        await writer.close()
        await watcher.close()
    after = await pull(http, url, during["timestamp"])
    assert pid not in changed(after, "projects"), "the next pull repeats nothing"


UPDATE = "mutation($id: ID!, $p: Float!) { updateProject(id: $id, input: {progress: $p}) { id } }"


async def test_concurrent_writers_and_a_puller_converge(stack: InProcessStack, http: httpx.AsyncClient, url: str) -> None:
    """Four writers (the API's own mutation) race a client pulling from each timestamp it gets:
    what the client pieced together equals the server's final state, with no write missed."""
    from sync_support import graphql

    since = await _now(stack)
    ids = [new_id() for _ in range(4)]
    await push(http, url, changes(projects={"created": [project(i) for i in ids]}), since)
    seen: dict[str, float] = {}
    done = asyncio.Event()

    async def write(project_id: str) -> None:
        for step in range(1, 11):
            body = await graphql(http, url, UPDATE, {"id": project_id, "p": step / 10})
            assert "errors" not in body, body

    async def follow() -> int:
        cursor, pulls = since, 0
        while True:
            finished = done.is_set()  # decided before the pull: the last pull starts after the writes
            result = await pull(http, url, cursor)
            pulls += 1
            for pid, record in changed(result, "projects").items():
                seen[pid] = record["progress"]
            cursor = result["timestamp"]
            if finished:
                return pulls

    follower = asyncio.ensure_future(follow())
    await asyncio.gather(*(write(i) for i in ids))
    done.set()
    pulls = await follower
    assert pulls > 1
    assert {i: seen[i] for i in ids} == dict.fromkeys(ids, 1.0)
    final = await pull(http, url, None)
    server = {p["id"]: p for p in final["changes"]["projects"]["created"]}
    assert all(server[pid]["progress"] == progress for pid, progress in seen.items())
