"""Shared subscription streams: one upstream source, one entity fetch and one encoding per event for
every identical subscription (same schema, document, operation, variables and forwarded headers).

A `Stream` reads its source (NATS or an upstream WebSocket), runs the plan's `rest` on each event
as a query would (entity fetches to the other subgraphs), shapes the result to the client's
selection and encodes it once; each `Sink` (one client operation) gets the same bytes. Sinks never
block the fan-out: they buffer boundedly and close their client when it falls behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import orjson
from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    OperationType,
    Undefined,
    VariableNode,
    value_from_ast_untyped,
)

from gateway.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    INTERNAL_SERVER_ERROR,
    QUERY_PLANNING_FAILED,
    RequestError,
    error,
)
from gateway.executor.execute import ExecutionContext, execute
from gateway.executor.run import shape
from gateway.operation import coerce_variables, select_operation
from gateway.pipeline import Gateway, GraphQLRequest
from gateway.plan.fields import NField
from gateway.plan.nodes import QueryPlan, Subscription
from gateway.planner.errors import PlanningError
from gateway.state import SchemaState
from gateway.subscriptions.payload import compile_root
from gateway.subscriptions.sources import Event, NatsProviders, SourceError, upstream_ws
from gateway.supergraph.events import SubjectError

log = logging.getLogger("charter.gateway.subscriptions")

FIELD_REMOVED = "SUBSCRIPTION_FIELD_REMOVED"


class Encoded:
    """One event's ExecutionResult, encoded once for every client of the stream."""

    __slots__ = ("_text", "body")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.body.decode()
        return self._text


class Sink(Protocol):
    """One client operation receiving a stream's results."""

    def next(self, result: Encoded) -> None: ...
    def error(self, errors: list[dict[str, Any]]) -> None: ...  # the stream ended with errors
    def complete(self) -> None: ...


@dataclass(frozen=True)
class Prepared:
    """A subscription request, validated and planned, ready to join or open a stream."""

    state: SchemaState
    key: tuple[Any, ...]
    text: str
    operation_name: str | None
    variables: dict[str, Any]
    headers: dict[str, str]
    entry: QueryPlan  # the whole plan (its operation shapes each event)
    plan: Subscription  # its root node
    root_args: dict[str, Any]


def _root_field(plan: QueryPlan) -> NField:
    """A subscription's one root field (validation guarantees there is one)."""
    assert plan.operation is not None
    return plan.operation.fields[0]


def _argument_values(field: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The root field's arguments as JSON values (variables are already validated JSON)."""
    values: dict[str, Any] = {
        name: arg.default_value for name, arg in field.args.items() if arg.default_value is not Undefined
    }
    for a in node.arguments or ():
        if isinstance(a.value, VariableNode):
            if a.value.name.value in variables:
                values[a.name.value] = variables[a.value.name.value]
        else:
            values[a.name.value] = value_from_ast_untyped(a.value, variables)
    return values


class Stream:
    def __init__(self, hub: SubscriptionHub, p: Prepared) -> None:
        self.hub = hub
        self.p = p
        self.sinks: dict[int, Sink] = {}
        self.task: asyncio.Task[None] | None = None
        self.events = 0
        self.ready = False  # the source is subscribed: events published from now on arrive

    def _ready(self) -> None:
        self.ready = True
        self.hub.changed()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="subscription-stream")

    async def _run(self) -> None:
        try:
            async for data, errors in self.hub.source(self):
                body = await self._result(self.p, data, errors)
                self.events += 1
                for sink in list(self.sinks.values()):
                    sink.next(body)
        except asyncio.CancelledError:
            raise
        except SourceError as e:
            failed = e.errors
            self._end(lambda s: s.error(failed))
            return
        except Exception as e:  # a bug ends this stream only, with an error its clients can read
            log.exception("subscription stream failed")
            errs = [error(f"The subscription failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR)]
            self._end(lambda s: s.error(errs))
            return
        self._end(lambda s: s.complete())

    def _end(self, how: Callable[[Sink], None]) -> None:
        self.hub._forget(self)
        sinks, self.sinks = self.sinks, {}
        for sink_id, sink in sinks.items():
            self.hub._sink_streams.pop(sink_id, None)
            how(sink)

    async def _result(self, p: Prepared, data: dict[str, Any] | None, errors: list[dict[str, Any]]) -> Encoded:
        state = p.state
        ctx = ExecutionContext(self.hub.gateway.transport, state.urls, p.variables, p.headers, state.placeholders)
        if data is not None:
            ctx.data = data
        else:
            ctx.errored.add(())
        ctx.errors.extend(errors)
        if data is not None and p.plan.rest is not None:
            try:
                await execute(p.plan.rest, ctx)
            except Exception as e:
                ctx.errors.append(error(f"Execution failed: {e.__class__.__name__}: {e}", INTERNAL_SERVER_ERROR))
        shaped = None if data is None else shape(p.entry, ctx)
        response: dict[str, Any] = {"data": shaped}
        if ctx.errors:
            response["errors"] = ctx.errors
        return Encoded(orjson.dumps(response))


class Subscribed:
    """What a protocol holds for one client operation: call `close()` when the client stops."""

    def __init__(self, hub: SubscriptionHub, sink_id: int) -> None:
        self.hub = hub
        self.sink_id = sink_id

    def close(self) -> None:
        self.hub._leave(self.sink_id)


class SubscriptionHub:
    def __init__(self, gateway: Gateway, nats_urls: dict[str, str] | None = None) -> None:
        self.gateway = gateway
        self.nats = NatsProviders(nats_urls or {})
        self.streams: dict[tuple[Any, ...], Stream] = {}
        self._ids = 0
        self._session: aiohttp.ClientSession | None = None
        self._sink_streams: dict[int, Stream] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._roots: dict[tuple[str, str], tuple[str, Any]] = {}  # (schema id, primary op) -> builder
        gateway.swap_listeners.append(self.on_swap)

    # ------------------------------------------------------------ preparing
    def operation_type(self, request: GraphQLRequest) -> OperationType:
        """The kind of operation the request runs; RequestError when its document is not valid."""
        prepared = self.gateway.prepare(self.gateway.state, request)
        return select_operation(prepared, request.operation_name).operation

    def prepare(self, request: GraphQLRequest, headers: dict[str, str]) -> Prepared:
        """Validate and plan a subscription; RequestError for anything the client got wrong."""
        gw = self.gateway
        state = gw.state
        prepared = gw.prepare(state, request)
        operation = select_operation(prepared, request.operation_name)
        if operation.operation != OperationType.SUBSCRIPTION:
            raise RequestError("Not a subscription.", BAD_REQUEST)
        variables = coerce_variables(state.api_schema, operation, request.variables)
        forwarded = gw.forwarded_headers(headers)
        try:
            entry = gw.plan(state, prepared, request.operation_name, variables)
        except PlanningError as e:
            raise RequestError(str(e), QUERY_PLANNING_FAILED, 500) from e
        plan = entry.node
        if not isinstance(plan, Subscription):
            raise RequestError("The subscription selects no field a subgraph serves.", QUERY_PLANNING_FAILED, 500)
        root = _root_field(entry)
        sub_type = state.api_schema.subscription_type
        assert isinstance(sub_type, GraphQLObjectType)
        root_args = _argument_values(sub_type.fields[root.name], root.node, variables)
        event = state.events.fields.get(root.name)
        if event is not None:
            try:
                event.render(root_args)
            except SubjectError as e:
                raise RequestError(str(e), BAD_USER_INPUT) from e
        key = (
            state.id,
            prepared.hash,
            request.operation_name,
            orjson.dumps(variables, option=orjson.OPT_SORT_KEYS),
            tuple(sorted(forwarded.items())),
        )
        return Prepared(state, key, prepared.text, request.operation_name, variables, forwarded, entry, plan, root_args)

    # ------------------------------------------------------------ joining
    def subscribe(self, p: Prepared, sink: Sink) -> Subscribed:
        self._loop = asyncio.get_running_loop()
        stream = self.streams.get(p.key)
        if stream is None:
            stream = Stream(self, p)
            self.streams[p.key] = stream
            stream.start()
        self._ids += 1
        stream.sinks[self._ids] = sink
        self._sink_streams[self._ids] = stream
        self.changed()
        return Subscribed(self, self._ids)

    def _leave(self, sink_id: int) -> None:
        stream = self._sink_streams.pop(sink_id, None)
        if stream is None:
            return
        if stream.sinks.pop(sink_id, None) is not None and not stream.sinks:
            self._forget(stream)
            if stream.task is not None:
                stream.task.cancel()
        self.changed()

    def _forget(self, stream: Stream) -> None:
        if self.streams.get(stream.p.key) is stream:
            del self.streams[stream.p.key]

    # ------------------------------------------------------------ sources
    def source(self, stream: Stream) -> AsyncIterator[Event]:
        p = stream.p
        primary = p.plan.primary
        root = _root_field(p.entry)
        event = p.state.events.fields.get(root.name)
        if event is not None:
            cache_key = (p.state.id, primary.operation)
            compiled = self._roots.get(cache_key)
            if compiled is None:
                compiled = compile_root(primary.operation, p.state.supergraph.schema, p.state.events)
                if len(self._roots) >= 4096:  # distinct subscription documents: keep it bounded
                    self._roots.clear()
                self._roots[cache_key] = compiled
            root_key, build = compiled
            return self.nats.events(event.provider, event.render(p.root_args), root_key, build, stream._ready)
        used = {v: p.variables[v] for v in primary.variable_usages if v in p.variables}
        return upstream_ws(
            self._http(), p.state.urls[primary.graph], primary.operation, primary.operation_name, used, p.headers,
            stream._ready,
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # ------------------------------------------------------------ reload
    def on_swap(self, state: SchemaState) -> None:
        # Reloads swap from a worker thread; streams belong to the event loop.
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._apply_swap(state)
        else:
            loop.call_soon_threadsafe(self._apply_swap, state)

    def _apply_swap(self, state: SchemaState) -> None:
        """A new supergraph: streams whose document still validates keep running (their next
        events are planned on the new schema, the source is kept when it is the same); the others
        end with an error saying their field is gone."""
        self._roots.clear()
        for stream in list(self.streams.values()):
            p = stream.p
            request = GraphQLRequest(p.text, p.operation_name, p.variables)
            try:
                fresh = self.prepare(request, p.headers)
            except RequestError as e:
                errs = [{**err, "extensions": {**err.get("extensions", {}), "code": FIELD_REMOVED}} for err in e.errors]
                stream._end(lambda s, errs=errs: s.error(errs))
                if stream.task is not None:
                    stream.task.cancel()
                continue
            if fresh.plan.primary == p.plan.primary:
                # Same source: keep the stream, serve its next events with the new plan.
                del self.streams[p.key]
                stream.p = Prepared(
                    fresh.state, fresh.key, fresh.text, fresh.operation_name, fresh.variables, fresh.headers,
                    fresh.entry, fresh.plan, fresh.root_args,
                )
                self.streams[fresh.key] = stream
            else:
                # The field moved to another source: reopen it there for the same clients.
                sinks = stream.sinks
                stream.sinks = {}
                if stream.task is not None:
                    stream.task.cancel()
                self._forget(stream)
                replacement = Stream(self, fresh)
                replacement.sinks = sinks
                for sink_id in sinks:
                    self._sink_streams[sink_id] = replacement
                self.streams[fresh.key] = replacement
                replacement.start()

    def changed(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(self, check: Callable[[SubscriptionHub], bool]) -> None:
        """Until `check(hub)` holds, re-checked whenever streams or subscribers change (tests,
        tools; bound it with asyncio.timeout)."""
        while not check(self):
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def ready_streams(self) -> int:
        return sum(1 for s in self.streams.values() if s.ready)

    def subscribers(self) -> int:
        return sum(len(s.sinks) for s in self.streams.values())

    async def close(self) -> None:
        for stream in list(self.streams.values()):
            if stream.task is not None:
                stream.task.cancel()
        self.streams.clear()
        await self.nats.close()
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
