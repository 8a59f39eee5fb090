"""The incremental executor on its own (a transport that answers when told to): payload order,
`hasNext`, and deferred parts cancelled when the response is closed, even unread."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from gateway.executor.execute import ExecutionContext
from gateway.executor.incremental import IncrementalRun
from gateway.plan.deferred import DeferBlock
from gateway.plan.fields import NField
from gateway.plan.nodes import Defer, Deferred, Fetch


class HeldTransport:
    """Answers each subgraph request only when the test releases it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False

    async def post(self, service: str, url: str, body: bytes, headers: Any, dedupe: bool = True, meta: Any = None) -> dict[str, Any]:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return {"data": {"later": "value"}}


def _run(transport: HeldTransport) -> IncrementalRun:
    later = NField("later", "later", "Query", [], None, "String", False, True, "")
    fetch = Fetch(service="s", graph="S", operation="{later}", operation_kind="query", id=1)
    plan = Defer(None, (Deferred(0, (), (), "l", "Query", "{ later }", fetch),))
    ctx = ExecutionContext(transport, {"S": "http://s.invalid"}, {}, {}, frozenset())  # type: ignore[arg-type]
    return IncrementalRun(plan, ctx, (DeferBlock("l", "Query", [later]),), redact=False, timeout=5.0)


async def test_the_primary_payload_first_then_the_deferred_part() -> None:
    transport = HeldTransport()
    run = _run(transport)
    await run.primary()
    payloads = run.payloads({"data": {}})
    first = orjson.loads(await payloads.__anext__())
    assert first == {"data": {}, "hasNext": True}
    await transport.started.wait()
    transport.release.set()
    second = orjson.loads(await payloads.__anext__())
    assert second == {"incremental": [{"data": {"later": "value"}, "path": [], "label": "l"}], "hasNext": False}
    await payloads.aclose()


async def test_closing_unread_payloads_cancels_the_deferred_parts() -> None:
    transport = HeldTransport()
    run = _run(transport)
    await run.primary()
    payloads = run.payloads({"data": {}})
    await transport.started.wait()  # the deferred fetch is under way (it depends on nothing)
    await payloads.aclose()  # the client never read a payload
    await asyncio.gather(*run.tasks, return_exceptions=True)
    assert transport.cancelled and all(t.done() for t in run.tasks)
