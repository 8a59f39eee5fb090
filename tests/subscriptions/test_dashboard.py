"""The live dashboard in real headless Chromium: the page subscribes through the gateway; a metric
recorded through the `recordMetrics` mutation (outbox, relay, JetStream, the gateway's
subscription) shows in its group's table within a second, an alert in the feed, and the page made
no request off the machine."""

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
from tests.subscriptions.support import Nats, alert_event, hub_of, record_metric


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
    chromium: str, live: ServedApp, keys: Path, nats_server: Nats, project_id: str, tmp_path: Path
) -> None:
    hub = hub_of(live)
    base = f"http://127.0.0.1:{live.port}"
    async with chromium_page(chromium, tmp_path / "profile") as page:
        loaded = page.devtools.next_event("Page.loadEventFired")
        await page.send("Page.navigate", url=f"{base}/dashboard")
        await asyncio.wait_for(loaded, STEP_TIMEOUT_S)
        assert await page.wait_for("document.querySelector('#status[data-state=connected]') && 'ok'") == "ok"
        await asyncio.wait_for(hub.wait_until(
            lambda h: sum(1 for s in h.streams.values() if "Dashboard_" in s.p.text and s.ready) == 3
        ), STEP_TIMEOUT_S)

        row = f"document.querySelector('tr[data-project=\"{project_id}\"][data-kind=\"PROGRESS\"]')"

        async def shown_after_recording(value: str) -> tuple[float, str]:
            started = time.monotonic()
            await record_metric(live, keys, project_id, float(value), kind="PROGRESS")
            shown = await page.evaluate(
                f"({WAIT_FOR_JS})(() => {{ const r = {row}; return r && r.querySelector('.value').textContent === '{value}'"
                f" && r.closest('section').dataset.group + '|' + r.cells[0].textContent; }}, {int(STEP_TIMEOUT_S * 1000)})"
            )
            return time.monotonic() - started, shown

        # The first event also pays for first use (the enrichment fetch's connection, the page's
        # first render of the row); the second is what a dashboard left open sees. Best of three:
        # a worker's neighbour taking the core for a moment is not the dashboard's delay.
        await shown_after_recording("0.1234")
        timings = []
        for value in ("0.4321", "0.5432", "0.6543"):
            elapsed, shown = await shown_after_recording(value)
            timings.append(round(elapsed, 3))
            if elapsed < 1.0:
                break
        assert min(timings) < 1.0, f"took {timings} s"
        group, name = shown.split("|")
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
