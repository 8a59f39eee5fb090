"""Run a `Defer` plan for incremental delivery: the primary part, then each deferred part.

A deferred part starts as soon as the fetches it depends on are done (deferred parts run in
parallel with each other, and with what is left of the primary part); it is delivered only after
its parent part (the primary payload, or the enclosing deferred fragment) was delivered, since the
client merges it into objects that part brought.

Each part fetches into its own copy of its parent part's data, taken when its dependencies are
done, with errors of its own: a deferred part's errors and nulls stay inside that part's
incremental items, and its results never touch what the parent part still has to shape. A part is delivered once per object at its
path that the client has (a list gives one item per element; an object the client got as null
gets none), as `{"data", "path", "label"?, "errors"?}`, shaped from the fragment's own fields.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson

from gateway.errors import INTERNAL_SERVER_ERROR, error
from gateway.executor import masking
from gateway.executor.execute import ExecutionContext, execute
from gateway.executor.representations import collect_with_paths
from gateway.executor.shape import _BUBBLE, LinkedPath, Shaper
from gateway.plan.deferred import DeferBlock
from gateway.plan.nodes import Defer, Deferred, Fetch, Flatten, Parallel, PlanNode
from gateway.plan.nodes import Sequence as SequenceNode
from gateway.transport.meta import FetchMeta

Item = dict[str, Any]


class Payloads:
    """The encoded payloads of one response. Closing it cancels the deferred parts still running,
    also when no payload was asked for yet (an async generator that never started would not run
    its cleanup)."""

    def __init__(self, run: IncrementalRun, payloads: AsyncIterator[bytes]) -> None:
        self._run = run
        self._payloads = payloads

    def __aiter__(self) -> Payloads:
        return self

    async def __anext__(self) -> bytes:
        return await self._payloads.__anext__()

    async def aclose(self) -> None:
        self._run.cancel()
        closer = getattr(self._payloads, "aclose", None)
        if closer is not None:
            await closer()


def count_deferred(node: Defer) -> int:
    return sum(1 + (count_deferred(d.node) if isinstance(d.node, Defer) else 0) for d in node.deferred)


class IncrementalRun:
    """One request's run of a Defer plan: `primary()` fills `ctx` (the pipeline shapes the initial
    payload from it as usual), then `payloads(initial)` yields every payload, encoded."""

    def __init__(
        self, plan: Defer, ctx: ExecutionContext, blocks: Sequence[DeferBlock], redact: bool, timeout: float,
    ) -> None:
        self.plan = plan
        self.ctx = ctx
        self.blocks = blocks
        self.redact = redact
        self.timeout = timeout  # each deferred part's subgraph deadline, from when it starts
        self.done: dict[int, asyncio.Event] = {}
        self.results: asyncio.Queue[list[Item]] = asyncio.Queue()
        self.pending = count_deferred(plan)
        self.tasks: list[asyncio.Task[None]] = []
        self.primary_sent = asyncio.Event()
        self.view: Any = None  # what the client has so far: the initial data, deferred items merged in

    async def primary(self) -> None:
        for d in self.plan.deferred:
            self._spawn(d, self.primary_sent, self.ctx)
        await self._run(self.plan.primary, self.ctx)

    def payloads(self, initial: dict[str, Any]) -> Payloads:
        return Payloads(self, self._payloads(initial))

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()

    async def _payloads(self, initial: dict[str, Any]) -> AsyncIterator[bytes]:
        try:
            self.view = initial.get("data")
            remaining = self.pending if isinstance(self.view, dict) else 0
            yield orjson.dumps({**initial, "hasNext": remaining > 0})
            self.primary_sent.set()
            while remaining:
                batch = await self.results.get()
                remaining -= 1
                while not self.results.empty():  # parts done together travel together
                    batch.extend(self.results.get_nowait())
                    remaining -= 1
                if batch:
                    yield orjson.dumps({"incremental": batch, "hasNext": remaining > 0})
                elif not remaining:
                    yield b'{"hasNext":false}'
        finally:
            self.cancel()
            for task in self.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # ------------------------------------------------------------ running parts
    def _event(self, fetch_id: int) -> asyncio.Event:
        event = self.done.get(fetch_id)
        if event is None:
            event = self.done[fetch_id] = asyncio.Event()
        return event

    def _spawn(self, d: Deferred, parent_sent: asyncio.Event, parent: ExecutionContext) -> None:
        self.tasks.append(asyncio.create_task(self._deferred(d, parent_sent, parent)))

    async def _run(self, node: PlanNode | None, ctx: ExecutionContext) -> None:
        """As `execute`, marking each fetch done as it completes (whatever became of it)."""
        try:
            if node is None:
                return
            if isinstance(node, SequenceNode):
                for child in node.nodes:
                    await self._run(child, ctx)
            elif isinstance(node, Parallel):
                await asyncio.gather(*(self._run(child, ctx) for child in node.nodes))
            else:
                await execute(node, ctx)
        finally:
            # Also the fetches a failure above skipped: nothing waits forever on them.
            for fetch_id in _fetch_ids(node):
                self._event(fetch_id).set()

    async def _deferred(self, d: Deferred, parent_sent: asyncio.Event, parent: ExecutionContext) -> None:
        sent = asyncio.Event()
        items: list[Item] = []
        try:
            for fetch_id in d.depends:
                await self._event(fetch_id).wait()
            ctx = self._part_context(parent)
            node = d.node
            if isinstance(node, Defer):
                for inner in node.deferred:
                    self._spawn(inner, sent, ctx)
                node = node.primary
            try:
                await self._run(node, ctx)
            except Exception as e:  # a bug costs this part only
                ctx.errors.append(error(f"Execution failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR))
            await parent_sent.wait()
            items = self._items(d, ctx)
        finally:
            sent.set()
            self.results.put_nowait(items)

    def _part_context(self, parent: ExecutionContext) -> ExecutionContext:
        deadline = asyncio.get_running_loop().time() + self.timeout
        ctx = ExecutionContext(
            parent.transport, parent.urls, parent.variables, parent.headers, parent.placeholders, FetchMeta(deadline)
        )
        # The part's fetches start from the parent's objects as they are now (a JSON round trip is
        # the fastest deep copy of JSON data).
        ctx.data = orjson.loads(orjson.dumps(parent.data))
        ctx.cache, ctx.cache_plans, ctx.cache_scope, ctx.at_least = (
            parent.cache, parent.cache_plans, parent.cache_scope, parent.at_least,
        )
        return ctx

    # ------------------------------------------------------------ delivering parts
    def _items(self, d: Deferred, ctx: ExecutionContext) -> list[Item]:
        block = self.blocks[d.id]
        errors = masking.clean(ctx.errors, self.redact) if ctx.errors else []
        items: list[Item] = []
        for view, path in collect_with_paths(self.view, d.path):
            raw = _at(ctx.data, path)
            if not isinstance(raw, dict):
                continue
            runtime = raw.get("__typename")
            if isinstance(runtime, str) and runtime != block.type_name:
                continue  # a fragment on one member of an abstract type: other members get no item
            item_errors: list[dict[str, Any]] = []
            data = Shaper(item_errors, ctx.errored).object(raw, block.fields, _linked(path))
            item: Item = {"data": None if data is _BUBBLE else data, "path": path}
            if d.label is not None:
                item["label"] = d.label
            mine = [e for e in errors if _under(e.get("path"), path)]
            if mine or item_errors:
                item["errors"] = mine + item_errors
            if isinstance(data, dict) and isinstance(view, dict):
                # Nested parts find their objects in what the client has; a copy, since the item
                # itself is encoded later and must not see what nested parts add.
                _deep_merge(view, orjson.loads(orjson.dumps(data)))
            items.append(item)
        if items:
            claimed = {id(e) for item in items for e in item.get("errors", ())}
            stray = [e for e in errors if id(e) not in claimed]
            if stray:  # an error with no path inside this part's objects: still this part's
                items[0].setdefault("errors", []).extend(stray)
        return items


def _at(data: Any, path: list[str | int]) -> Any:
    for step in path:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def _linked(path: list[str | int]) -> LinkedPath:
    linked: LinkedPath = None
    for step in path:
        linked = (linked, step)
    return linked


def _under(error_path: Any, path: list[str | int]) -> bool:
    return isinstance(error_path, list) and error_path[: len(path)] == path


def _deep_merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        have = into.get(key)
        if isinstance(have, dict) and isinstance(value, dict):
            _deep_merge(have, value)
        elif isinstance(have, list) and isinstance(value, list) and len(have) == len(value):
            for i, (a, b) in enumerate(zip(have, value, strict=True)):
                if isinstance(a, dict) and isinstance(b, dict):
                    _deep_merge(a, b)
                else:
                    have[i] = b
        else:
            into[key] = value


def _fetch_ids(node: PlanNode | None) -> list[int]:
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node.id]
    if isinstance(node, Flatten):
        return [node.node.id]
    if isinstance(node, SequenceNode | Parallel):
        return [i for n in node.nodes for i in _fetch_ids(n)]
    return []
