"""The offline GraphiQL explorer, driven in real headless Chromium over the DevTools protocol.

A browser opens /graphql, waits for GraphiQL to render, types a query, clicks the run button and
reads the answer pane; every request the page made must have stayed on 127.0.0.1 (the explorer's
assets come from npm at set-up time, never from a CDN).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.gateway._fixtures_clients import (
    Service,
    benchmark_expected,
    benchmark_subgraphs,
    gateway_process,
    start_gateway,
    workload_supergraph,
)

__all__ = ["benchmark_subgraphs", "gateway_process"]  # fixtures used by name

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0",
    # As on a machine without a network: no host name resolves, so a CDN URL could never load.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = (1280, 800)
STEP_TIMEOUT_S = 20.0
QUERY = "{ topProducts { name } }"
QUERY_WITH_VARIABLES = "query Cheapest($first: Int) { topProducts(first: $first) { upc price } }"
VARIABLES = '{"first": 2}'

# Resolves once `check()` returns something truthy, re-checking on every DOM mutation: the page
# tells us when it changed, so nothing polls on a timer.
WAIT_FOR_JS = """(check, ms) => new Promise((resolve, reject) => {
  let observer;
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error("timed out")); }, ms);
  const attempt = () => {
    const value = check();
    if (value) { observer.disconnect(); clearTimeout(timer); resolve(value); }
    return Boolean(value);
  };
  observer = new MutationObserver(attempt);
  if (!attempt()) {
    observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  }
})"""
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
RESPONSE = "document.querySelector('.graphiql-response .CodeMirror')"
VARIABLES_EDITOR = "document.querySelector('.graphiql-editor-tool .CodeMirror')"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    # Same as the Makefile's `chromium` target, for a machine set up without it.
    install = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        subprocess.run(["sh", "-c", install], capture_output=True, timeout=240, check=False)
    return shutil.which("chromium")


class DevToolsError(RuntimeError):
    pass


class DevTools:
    """A minimal Chrome DevTools Protocol client over one browser websocket (flat sessions)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []

    async def read_forever(self) -> None:
        async for raw in self.ws:
            message = orjson.loads(raw)
            if "id" in message:
                future = self.pending.pop(message["id"])
                if "error" in message:
                    future.set_exception(DevToolsError(str(message["error"])))
                else:
                    future.set_result(message.get("result", {}))
                continue
            self.events.append(message)
            for waiter in [w for w in self.waiters if w[0] == message["method"]]:
                self.waiters.remove(waiter)
                if not waiter[1].done():
                    waiter[1].set_result(message.get("params", {}))

    async def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ident] = future
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send(orjson.dumps(message).decode())
        return await asyncio.wait_for(future, STEP_TIMEOUT_S)

    def next_event(self, method: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters.append((method, future))
        return future

    def params_of(self, method: str) -> list[dict[str, Any]]:
        return [e.get("params", {}) for e in self.events if e["method"] == method]


class Page:
    """One browser tab attached through a flat DevTools session."""

    def __init__(self, devtools: DevTools, session: str) -> None:
        self.devtools = devtools
        self.session = session

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.devtools.send(method, self.session, **params)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, check_js: str) -> Any:
        return await self.evaluate(f"({WAIT_FOR_JS})(() => {check_js}, {int(STEP_TIMEOUT_S * 1000)})")

    async def click(self, selector: str) -> None:
        box = await self.evaluate(
            f"(() => {{ const r = document.querySelector({orjson.dumps(selector).decode()})"
            ".getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1
            )


async def type_into(page: Page, editor_js: str, text: str) -> None:
    """Type over an editor's contents as a user would: focus it, select all, type."""
    await page.evaluate(f"(() => {{ const cm = {editor_js}.CodeMirror; cm.focus(); cm.execCommand('selectAll'); }})()")
    await page.send("Input.insertText", text=text)
    assert await page.evaluate(f"{editor_js}.CodeMirror.getValue()") == text


async def run_and_read(page: Page, marker: str) -> Any:
    """Click the run button; the parsed answer once the response pane shows `marker`."""
    await page.click(".graphiql-execute-button")
    shown = await page.wait_for(
        f"(() => {{ const v = {RESPONSE} && {RESPONSE}.CodeMirror.getValue();"
        f" return v && v.includes({orjson.dumps(marker).decode()}) ? v : null; }})()"
    )
    return orjson.loads(shown)


@contextlib.asynccontextmanager
async def chromium_page(executable: str, profile: Path) -> AsyncIterator[Page]:
    process = await asyncio.create_subprocess_exec(
        executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    stderr = process.stderr
    tasks: list[asyncio.Task[Any]] = []
    try:
        browser_ws = await asyncio.wait_for(_devtools_url(stderr), STEP_TIMEOUT_S)
        # Keep reading stderr so a chatty browser never blocks on a full pipe.
        tasks.append(asyncio.create_task(_drain(stderr)))
        async with connect(browser_ws, max_size=None) as ws:
            devtools = DevTools(ws)
            tasks.append(asyncio.create_task(devtools.read_forever()))
            target = await devtools.send("Target.createTarget", url="about:blank")
            attached = await devtools.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
            page = Page(devtools, attached["sessionId"])
            for domain in ("Network", "Page", "Runtime"):
                await page.send(f"{domain}.enable")
            width, height = VIEWPORT
            await page.send(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            yield page
            with contextlib.suppress(DevToolsError, TimeoutError):
                await devtools.send("Browser.close")
    finally:
        for task in tasks:
            task.cancel()
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _devtools_url(stderr: asyncio.StreamReader) -> str:
    seen: list[str] = []
    while line := (await stderr.readline()).decode(errors="replace"):
        seen.append(line)
        if line.startswith("DevTools listening on "):
            return line.removeprefix("DevTools listening on ").strip()
    raise RuntimeError("chromium exited before opening DevTools:\n" + "".join(seen[-20:]))


async def _drain(stderr: asyncio.StreamReader) -> None:
    while await stderr.read(65536):
        pass


def png_summary(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the pixel data) of a PNG; fails on anything else."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, width, height, idat = 8, 0, 0, b""
    while offset < len(data):
        (length,), kind = struct.unpack(">I", data[offset:offset + 4]), data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("chromium is not installed and could not be installed (make chromium)")
    return found


@pytest.mark.chromium
async def test_graphiql_runs_a_query_offline(
    chromium: str, gateway_process: Service, tmp_path: Path
) -> None:
    expected_names = [p["name"] for p in benchmark_expected()["data"]["topProducts"]]

    async with chromium_page(chromium, tmp_path / "profile") as page:
        loaded = page.devtools.next_event("Page.loadEventFired")
        await page.send("Page.navigate", url=f"{gateway_process.url}/graphql")
        await asyncio.wait_for(loaded, STEP_TIMEOUT_S)
        assert await page.wait_for(f"{EDITOR} && 'editor'") == "editor"

        await type_into(page, EDITOR, QUERY)
        shown = await run_and_read(page, "topProducts")
        rendered = await page.evaluate("document.querySelector('.graphiql-response').innerText")
        screenshot = base64.b64decode((await page.send("Page.captureScreenshot", format="png"))["data"])

        # Variables typed into GraphiQL's variables editor reach the gateway with the operation.
        await type_into(page, EDITOR, QUERY_WITH_VARIABLES)
        await type_into(page, VARIABLES_EDITOR, VARIABLES)
        with_variables = await run_and_read(page, "price")
        # A query the gateway rejects: its error is shown, not a blank pane or a crash.
        await type_into(page, EDITOR, "{ topProducts { nope } }")
        rejected = await run_and_read(page, "errors")
        devtools = page.devtools

    assert shown == {"data": {"topProducts": [{"name": n} for n in expected_names]}}
    products = benchmark_expected()["data"]["topProducts"][:2]
    assert with_variables == {"data": {"topProducts": [{"upc": p["upc"], "price": p["price"]} for p in products]}}
    assert "data" not in rejected
    assert [e["extensions"]["code"] for e in rejected["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in rejected["errors"][0]["message"]
    for name in expected_names:
        assert f'"{name}"' in rendered, f"{name} not visible in the response pane"

    requests = [p["request"] for p in devtools.params_of("Network.requestWillBeSent")]
    urls = [r["url"] for r in requests]
    # data: URLs (GraphiQL's inlined fonts) are decoded in the page and never touch a network.
    network = [u for u in urls if urlsplit(u).scheme not in ("data", "blob", "about")]
    assert network, "the page made no requests at all"
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in network), f"left the machine: {network}"
    assets = {f"{gateway_process.url}/graphiql/assets/{n}" for n in ("react.js", "react-dom.js", "graphiql.js", "graphiql.css")}
    assert assets <= set(urls), f"explorer assets not loaded: {sorted(assets - set(urls))}"
    # Introspection, then our query: both through the gateway's POST endpoint.
    posts = [r for r in requests if r["method"] == "POST" and r["url"] == f"{gateway_process.url}/graphql"]
    assert any(QUERY in r.get("postData", "") for r in posts), "the query was never POSTed"
    assert any(
        orjson.loads(r["postData"]).get("variables") == orjson.loads(VARIABLES) for r in posts
    ), "the variables were never sent"

    responses = [(p["response"]["url"], p["response"]["status"]) for p in devtools.params_of("Network.responseReceived")]
    for url in assets:
        assert (url, 200) in responses, f"{url} did not answer 200: {responses}"
    graphql = [status for url, status in responses if url == f"{gateway_process.url}/graphql"]
    assert len(graphql) >= 5 and all(status < 500 for status in graphql), graphql  # page, schema, 3 runs
    exceptions = devtools.params_of("Runtime.exceptionThrown")
    assert not exceptions, f"uncaught errors in the page: {exceptions}"
    console_errors = [c for c in devtools.params_of("Runtime.consoleAPICalled") if c.get("type") == "error"]
    assert not console_errors, f"console errors: {console_errors}"

    shot = tmp_path / "graphiql.png"
    shot.write_bytes(screenshot)
    width, height, distinct = png_summary(shot.read_bytes())
    assert (width, height) == VIEWPORT
    assert shot.stat().st_size > 10_000 and distinct > 32, "the screenshot is (nearly) blank"


def test_explorer_page_and_assets_are_local(gateway_process: Service) -> None:
    """Without a browser: the page names only its own assets, and the asset route serves exactly
    the four npm files (no path into the file system)."""
    with httpx.Client(base_url=gateway_process.url, timeout=15.0) as http:
        page = http.get("/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "https://" not in page.text and "http://" not in page.text, "the page names a remote URL"
        for name, kind in [("react.js", "javascript"), ("react-dom.js", "javascript"),
                           ("graphiql.js", "javascript"), ("graphiql.css", "text/css")]:
            assert f"/graphiql/assets/{name}" in page.text
            asset = http.get(f"/graphiql/assets/{name}")
            assert asset.status_code == 200 and kind in asset.headers["content-type"], name
            assert len(asset.content) > 1000, name
        for probe in ("package.json", "..%2F..%2Fpackage.json", "..%2F..%2F..%2F..%2Fpyproject.toml", "graphiql.min.js"):
            assert http.get(f"/graphiql/assets/{probe}").status_code == 404, probe
        # A request carrying a query is a GraphQL request, even from a browser.
        run = http.get("/graphql", params={"query": "{ topProducts(first: 1) { upc } }"},
                       headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert run.json() == {"data": {"topProducts": [{"upc": "1"}]}}


def test_explorer_without_its_npm_assets_explains_itself(
    benchmark_subgraphs: Service, tmp_path: Path
) -> None:
    """A gateway installed without the npm packages still serves GraphQL, and its explorer page
    says how to get the assets instead of loading a broken page."""
    missing = tmp_path / "no-node-modules"
    gateway = start_gateway(
        workload_supergraph(benchmark_subgraphs), tmp_path / "gateway", env={"CHARTER_NODE_MODULES": str(missing)}
    )
    try:
        with httpx.Client(base_url=gateway.url, timeout=15.0) as http:
            page = http.get("/graphql", headers={"accept": "text/html"})
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert "make setup" in page.text and "<script" not in page.text
            assert http.get("/graphiql/assets/graphiql.js").status_code == 404
            answer = http.post("/graphql", json={"query": "{ topProducts(first: 1) { upc } }"})
            assert answer.json() == {"data": {"topProducts": [{"upc": "1"}]}}
    finally:
        gateway.stop()
