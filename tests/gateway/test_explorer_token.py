"""The token flow in GraphiQL, in real headless Chromium: without a token a protected field comes
back null with UNAUTHORIZED_FIELD_OR_TYPE; with `Authorization: Bearer <token>` typed into GraphiQL's
headers editor it is answered."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from tests.gateway._fixtures_clients import benchmark_subgraphs, start_gateway, workload_supergraph
from tests.gateway.auth_support import Keys, protected_supergraph
from tests.gateway.test_explorer import (
    EDITOR,
    STEP_TIMEOUT_S,
    chromium,
    chromium_page,
    run_and_read,
    type_into,
)

__all__ = ["benchmark_subgraphs", "chromium"]  # fixtures used by name

HEADERS_EDITOR = (
    "[...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')]"
    ".find(e => !e.classList.contains('hidden') && e.querySelector('.CodeMirror'))"
    "?.querySelector('.CodeMirror')"
)


@pytest.mark.chromium
async def test_graphiql_with_a_bearer_token(chromium: str, benchmark_subgraphs: object, tmp_path: Path) -> None:
    keys = Keys(tmp_path)
    gateway = start_gateway(
        protected_supergraph(workload_supergraph(benchmark_subgraphs)),  # type: ignore[arg-type]
        tmp_path / "gateway", "--jwks", str(keys.path),
    )
    try:
        async with chromium_page(chromium, tmp_path / "profile") as page:
            loaded = page.devtools.next_event("Page.loadEventFired")
            await page.send("Page.navigate", url=f"{gateway.url}/graphql")
            await asyncio.wait_for(loaded, STEP_TIMEOUT_S)
            assert await page.wait_for(f"{EDITOR} && 'editor'") == "editor"
            await type_into(page, EDITOR, "{ me { username birthday } }")
            anonymous = await run_and_read(page, "UNAUTHORIZED_FIELD_OR_TYPE")
            await page.evaluate(
                "[...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Headers').click()"
            )
            assert await page.wait_for(f"{HEADERS_EDITOR} && 'headers'") == "headers"
            header = orjson.dumps({"Authorization": f"Bearer {keys.token()}"}).decode()
            await type_into(page, HEADERS_EDITOR, header)
            await type_into(page, EDITOR, "{ me { username  birthday } }")  # a new run, same query
            authenticated = await run_and_read(page, "birthday\": 1")
            posts = [
                p["request"] for p in page.devtools.params_of("Network.requestWillBeSent")
                if p["request"]["method"] == "POST"
            ]
    finally:
        gateway.stop()
    assert anonymous["data"]["me"]["birthday"] is None
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    assert "errors" not in authenticated and isinstance(authenticated["data"]["me"]["birthday"], int)
    assert any(r["headers"].get("Authorization", "").startswith("Bearer ") for r in posts)
