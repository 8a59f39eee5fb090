"""The live dashboard in real headless Chromium: the page subscribes through the gateway; a metric
recorded (published to JetStream as the outbox relay does) shows in its group's table within a
second, an alert in the feed, and the page made no request off the machine."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from infra.inprocess import ServedApp
from tests.gateway.test_explorer import STEP_TIMEOUT_S, WAIT_FOR_JS, chromium_page, find_chromium
from tests.subscriptions.support import Nats, alert_event, hub_of, metric_event


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("chromium is not installed (make chromium)")
    return found


async def test_dashboard_assets_come_from_npm(gateway: ServedApp) -> None:
    async with httpx.AsyncClient() as client:
        base = f"http://127.0.0.1:{gateway.port}"
        page = await client.get(f"{base}/dashboard")
        assert page.status_code == 200 and "/dashboard/assets/graphql-ws.js" in page.text
        asset = await client.get(f"{base}/dashboard/assets/graphql-ws.js")
        assert asset.status_code == 200 and b"graphqlWs" in asset.content
        assert (await client.get(f"{base}/dashboard/assets/nope.js")).status_code == 404


@pytest.mark.chromium
async def test_dashboard_shows_a_metric_within_a_second(
    chromium: str, gateway: ServedApp, nats_server: Nats, project_id: str, tmp_path: Path
) -> None:
    hub = hub_of(gateway)
    base = f"http://127.0.0.1:{gateway.port}"
    async with chromium_page(chromium, tmp_path / "profile") as page:
        loaded = page.devtools.next_event("Page.loadEventFired")
        await page.send("Page.navigate", url=f"{base}/dashboard")
        await asyncio.wait_for(loaded, STEP_TIMEOUT_S)
        assert await page.wait_for("document.querySelector('#status[data-state=connected]') && 'ok'") == "ok"
        await asyncio.wait_for(hub.wait_until(
            lambda h: sum(1 for s in h.streams.values() if "Dashboard_" in s.p.text and s.ready) == 3
        ), STEP_TIMEOUT_S)

        started = time.monotonic()
        await nats_server.publish(f"covenant.metric.ams.{project_id}", metric_event(project_id, 0.4321))
        row = f"document.querySelector('tr[data-project=\"{project_id}\"][data-kind=\"PROGRESS\"]')"
        shown = await page.evaluate(
            f"({WAIT_FOR_JS})(() => {{ const r = {row}; return r && r.querySelector('.value').textContent === '0.4321'"
            " && r.closest('section').dataset.group + '|' + r.cells[0].textContent; }, 1000)"
        )
        elapsed = time.monotonic() - started
        group, name = shown.split("|")
        assert elapsed < 1.0, f"took {elapsed:.3f}s"
        assert group in ("EMEA", "AMERICAS", "APAC") and name

        alert = alert_event(project_id, "APAC", "CRITICAL")
        await nats_server.publish("alerts.apac.critical", alert)
        feed = await page.wait_for(f"(() => {{ const li = document.querySelector('li[data-alert=\"{alert['id']}\"]'); return li && li.textContent; }})()")
        assert "CRITICAL" in feed and name in feed
        regions = await page.evaluate("[...document.querySelectorAll('#regions tr[data-region]')].map(r => r.dataset.region)")
        assert regions, "no region health rows"
        urls = [p["request"]["url"] for p in page.devtools.params_of("Network.requestWillBeSent")]
    network = [u for u in urls if urlsplit(u).scheme not in ("data", "blob", "about")]
    assert f"{base}/dashboard/assets/graphql-ws.js" in network
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in network), orjson.dumps(network).decode()
