"""Hot reload: a new supergraph is swapped in atomically while clients keep querying; a broken one
is rejected and the old schema keeps serving."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from tests.gateway.gateway_support import WORKLOAD, GatewayFactory, Proc

EXPECTED = json.loads((WORKLOAD / "expected.json").read_text())
PAYLOAD = (WORKLOAD / "payload.json").read_bytes()


async def _schema_id(client: httpx.AsyncClient, base: str) -> str:
    r = await client.get(f"{base}/health")
    return str(r.json()["schema"])


async def _wait_for_new_schema(client: httpx.AsyncClient, base: str, old: str, limit: float = 15.0) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        current = await _schema_id(client, base)
        if current != old:
            return current
        await asyncio.sleep(0.02)  # the swap has no event a client can await
    raise AssertionError(f"schema {old} was not replaced within {limit}s")


async def _load_while(base: str, stop: asyncio.Event, results: list[str]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        while not stop.is_set() and len(results) < 20_000:
            r = await client.post(f"{base}/graphql", content=PAYLOAD, headers={"content-type": "application/json"})
            results.append("ok" if r.status_code == 200 and r.json() == EXPECTED else f"{r.status_code}: {r.text[:200]}")


async def test_ten_reloads_under_load_drop_no_request(
    bench_supergraph: Path, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    sg = tmp_path / "supergraph.graphql"
    original = bench_supergraph.read_text()
    sg.write_text(original)
    gw: Proc = start_gateway(sg)
    stop = asyncio.Event()
    results: list[str] = []
    clients = [asyncio.create_task(_load_while(gw.url, stop, results)) for _ in range(4)]
    ids = []
    async with httpx.AsyncClient(timeout=10) as admin:
        current = await _schema_id(admin, gw.url)
        ids.append(current)
        for i in range(10):
            # Each version differs in text (a comment), so it is a new schema with its own id and plans.
            tmp = tmp_path / f"next-{i}.graphql"
            tmp.write_text(original + f"\n# version {i}\n")
            tmp.replace(sg)  # atomic rename, as deploy tools do
            current = await _wait_for_new_schema(admin, gw.url, current)
            ids.append(current)
    stop.set()
    await asyncio.gather(*clients)
    assert len(set(ids)) == 11
    failures = [r for r in results if r != "ok"]
    assert results and not failures, failures[:3]


async def test_a_broken_supergraph_is_rejected_and_the_old_one_keeps_serving(
    bench_supergraph: Path, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    sg = tmp_path / "supergraph.graphql"
    sg.write_text(bench_supergraph.read_text())
    gw = start_gateway(sg)
    async with httpx.AsyncClient(timeout=10) as client:
        before = await _schema_id(client, gw.url)
        sg.write_text("type Query { this is not a supergraph")
        line = await asyncio.to_thread(_read_log_until, gw, "supergraph rejected")
        assert '"level":"error"' in line
        assert await _schema_id(client, gw.url) == before
        r = await client.post(f"{gw.url}/graphql", content=PAYLOAD, headers={"content-type": "application/json"})
        assert r.json() == EXPECTED
        sg.write_text(bench_supergraph.read_text() + "\n# fixed\n")
        after = await _wait_for_new_schema(client, gw.url, before)
        assert after != before
        metrics = (await client.get(f"{gw.url}/metrics")).text
        assert "charter_gateway_schema_reloads_total" in metrics


def _read_log_until(gw: Proc, needle: str, within: float = 20.0) -> str:
    """The first stderr line of the gateway containing `needle` (its logs are JSON lines)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for line in gw.stderr_lines():
            if needle in line:
                json.loads(line)  # structured: every log line is one JSON object
                return line
        time.sleep(0.05)  # a log file growing sends no event to await
    raise AssertionError(f"no log line with {needle!r} within {within}s")


def test_subgraphs_mode_composes_from_live_sdl(bench_subgraphs: Proc, start_gateway: GatewayFactory, tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    lines = ["federation_version: =2.3.0", "subgraphs:"]
    for name in ("accounts", "inventory", "products", "reviews"):
        url = f"{bench_subgraphs.url}/{name}"
        lines += [f"  {name}:", f"    routing_url: {url}", "    schema:", f"      subgraph_url: {url}"]
    config.write_text("\n".join(lines) + "\n")
    gw = start_gateway_with(start_gateway, config)
    r = httpx.post(f"{gw.url}/graphql", content=PAYLOAD, headers={"content-type": "application/json"}, timeout=30)
    assert r.json() == EXPECTED


def start_gateway_with(start_gateway: GatewayFactory, config: Path) -> Proc:
    return start_gateway(None, "--subgraphs", str(config))


async def test_subgraphs_mode_recomposes_when_a_subgraph_changes(
    bench_subgraphs: Proc, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    await asyncio.to_thread(_write_file_config, bench_subgraphs, tmp_path)
    config = tmp_path / "supergraph.yaml"
    gw = start_gateway(None, "--subgraphs", str(config), "--poll-interval", "0.2")
    async with httpx.AsyncClient(timeout=10) as client:
        before = await _schema_id(client, gw.url)
        accounts = tmp_path / "accounts.graphql"
        accounts.write_text(accounts.read_text().replace("type Query {", 'type Query {\n  "The signed-in user."', 1))
        after = await _wait_for_new_schema(client, gw.url, before)
        assert after != before
        r = await client.post(f"{gw.url}/graphql", content=PAYLOAD, headers={"content-type": "application/json"})
        assert r.json() == EXPECTED


def _write_file_config(bench_subgraphs: Proc, tmp_path: Path) -> None:
    """A Rover config whose schemas are files (taken from the live subgraphs' SDL)."""
    lines = ["subgraphs:"]
    for name in ("accounts", "inventory", "products", "reviews"):
        url = f"{bench_subgraphs.url}/{name}"
        sdl = httpx.post(url, json={"query": "{ _service { sdl } }"}, timeout=10).json()["data"]["_service"]["sdl"]
        (tmp_path / f"{name}.graphql").write_text(sdl)
        lines += [f"  {name}:", f"    routing_url: {url}", "    schema:", f"      file: ./{name}.graphql"]
    (tmp_path / "supergraph.yaml").write_text("\n".join(lines) + "\n")
