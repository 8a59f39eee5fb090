"""HTTP transport to subgraphs: one pooled keep-alive aiohttp session, deadlines, failover across
an endpoint's regions, and deduplication of identical in-flight query requests (many clients asking
the same thing cost one subgraph call).

A routed subgraph (gateway/transport/routing.py) is tried endpoint by endpoint in its route's
order. A query gets `first_byte_timeout` per endpoint (far below the request deadline), so a hung
instance costs it at most that before the next region answers, and the failure opens the hung
endpoint's circuit, so later requests do not go there at all. A write (a mutation) goes to the
primary's region first and moves on only when it cannot have run (no connection, an open circuit);
once sent it is never repeated, and waits for its answer up to the request deadline.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.inflight import InFlight
from gateway.telemetry.client import Tracer, traced_call
from gateway.transport.breaker import State
from gateway.transport.errors import SubgraphError
from gateway.transport.failures import UNAVAILABLE_STATUS_MIN, Failure, classify_response
from gateway.transport.framing import SubgraphConnector, SubgraphResponse, has_no_content
from gateway.transport.meta import CONSISTENCY, READ_SOURCE, FetchMeta
from gateway.transport.routing import SCHEMA_HEADER, SUBGRAPH_HEADER, Endpoint, Route, Routes
from gateway.transport.stats import (
    ERRORS,
    FAILED,
    OK,
    TIMEOUT,
    FetchRecorder,
    FetchStats,
    NullFetchStats,
)

_BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
    # only encodings we inflate ourselves, with a bound (aiohttp's own inflating has none)
    "accept-encoding": "gzip, deflate",
}
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    pass


class SubgraphEncodingError(Exception):
    pass


class _NoContent(Exception):
    """A status that has no content (RFC 9110: 1xx, 204, 304): never a GraphQL answer."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _framing(e: aiohttp.ClientResponseError) -> str:
    """What was wrong with the HTTP message, in the parser's words (its first line: the rest
    quotes the subgraph's bytes, which may be anything and megabytes long)."""
    first = (e.message or "").split("\n", 1)[0].strip().rstrip(":")
    return first[:120] or "unparsable response"


async def _read_bounded(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, inflated if compressed, refusing past `limit` bytes (a gzip bomb inflates a
    chunk at a time, never more than the limit)."""
    declared = resp.content_length
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    if declared is not None and declared > limit:
        raise _TooLarge
    inflater = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, auto-detected
    elif encoding not in ("", "identity"):
        raise SubgraphEncodingError(encoding)
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        if inflater is None:
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            parts.append(chunk)
            continue
        data = chunk
        while data:
            out = inflater.decompress(data, limit + 1 - size)
            size += len(out)
            if size > limit:
                raise _TooLarge
            parts.append(out)
            data = inflater.unconsumed_tail
    if inflater is not None:
        tail = inflater.flush()
        size += len(tail)
        if size > limit:
            raise _TooLarge
        parts.append(tail)
    return b"".join(parts)

Answer = tuple[int, bytes, str | None, str | None]  # status, body, consistency token, read source


class HttpTransport:
    def __init__(
        self,
        timeout: float = 30.0,
        max_connections: int = 512,
        dedupe: bool = True,
        routes: Routes | None = None,
        max_response_bytes: int = 64 * 1024 * 1024,
        *,
        connect_timeout: float = 0.5,
        first_byte_timeout: float = 1.0,
    ) -> None:
        self.routes = routes or Routes()
        self.max_response_bytes = max_response_bytes
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.first_byte_timeout = first_byte_timeout
        self.max_connections = max_connections
        self.dedupe_enabled = dedupe
        self._session: aiohttp.ClientSession | None = None
        self._inflight: InFlight[tuple[Any, ...]] = InFlight()
        self.tracer: Tracer | None = None  # set once at start when tracing is on
        self.stats: FetchStats = NullFetchStats()
        self._recorders: dict[str, FetchRecorder] = {}  # per subgraph name (bounded by the schema)

    def observe(self, stats: FetchStats) -> None:
        """Report every fetch and circuit change to `stats` (the gateway's metrics)."""
        self.stats = stats
        self._recorders.clear()
        self.routes.observe(stats)

    def _recorder(self, subgraph: str) -> FetchRecorder:
        recorder = self._recorders.get(subgraph)
        if recorder is None:
            recorder = self._recorders[subgraph] = self.stats.recorder(subgraph)
        return recorder

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Idle connections are closed before uvicorn's 5 s keep-alive would close them from the
            # other side: reusing one the server is closing is a broken request (worse across regions).
            connector = SubgraphConnector(
                limit=self.max_connections, limit_per_host=self.max_connections, keepalive_timeout=4,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                skip_auto_headers=("User-Agent",),
                auto_decompress=False,  # inflated by _read_bounded, within the byte limit
                response_class=SubgraphResponse,
                json_serialize=lambda o: orjson.dumps(o).decode(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self,
        subgraph: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        dedupe: bool,
        meta: FetchMeta | None = None,
    ) -> dict[str, Any]:
        deadline = meta.deadline if meta is not None else asyncio.get_running_loop().time() + self.timeout
        # Measured per fetch the executor waits for (a deduplicated one included: it is what the
        # request waited), from here to the parsed answer.
        started = time.perf_counter()
        try:
            if dedupe and self.dedupe_enabled:
                key = (url, body, tuple(sorted(headers.items())))
                answer = await self._inflight.run(
                    key, lambda: self._send(subgraph, url, body, headers, dedupe, deadline)
                )
            else:
                answer = await self._send(subgraph, url, body, headers, dedupe, deadline)
            status, raw, consistency, read_source = answer
            if meta is not None and (consistency or read_source):
                meta.record(consistency, read_source)
            # Every caller parses its own copy: the executor merges into (and so mutates) what it gets.
            parsed = _parse(subgraph, status, raw)
        except SubgraphError as e:
            self._recorder(subgraph).record(
                TIMEOUT if e.failure is Failure.TIMEOUT else FAILED, time.perf_counter() - started
            )
            raise
        outcome = FAILED if status >= UNAVAILABLE_STATUS_MIN else ERRORS if parsed.get("errors") else OK
        self._recorder(subgraph).record(outcome, time.perf_counter() - started)
        return parsed

    async def _send(
        self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str], idempotent: bool, deadline: float
    ) -> Answer:
        route = self.routes.get(subgraph)
        if route is None:
            remaining = deadline - asyncio.get_running_loop().time()
            # The session's own total timeout unless the request's deadline is clearly nearer
            # (no per-request timeout object on the common path).
            timeout = (
                None if remaining >= self.timeout - 0.25 else aiohttp.ClientTimeout(total=max(remaining, 0.001))
            )
            status, raw, h = await self._post(subgraph, url, body, headers, timeout, remaining)
            return status, raw, h.get(CONSISTENCY), h.get(READ_SOURCE)
        return await self._routed(route, body, headers, idempotent, deadline)

    async def _routed(
        self, route: Route, body: bytes, headers: Mapping[str, str], idempotent: bool, deadline: float
    ) -> Answer:
        """Try the route's endpoints in order (see the module docstring for what moves on)."""
        subgraph = route.service
        loop = asyncio.get_running_loop()
        last: SubgraphError | None = None
        answered: Answer | None = None  # the last real (if unhappy) answer, kept for the client
        tried = 0
        candidates = route.candidates(write=not idempotent)
        if not candidates and idempotent:
            candidates = route.last_resort()
        last_index = len(candidates) - 1
        for i, endpoint in enumerate(candidates):
            if endpoint.breaker.state is State.OPEN:
                pass  # a last resort (see Route.last_resort)
            elif not endpoint.breaker.admit():
                continue  # half-open with its one trial already in flight
            remaining = deadline - loop.time()
            if remaining <= 0:
                last = SubgraphError.timeout(subgraph, self.timeout)
                break
            tried += 1
            # A query that could still go elsewhere waits `first_byte_timeout` for an answer to
            # start; the last place it can go gets the rest of the deadline.
            moves_on = idempotent and i < last_index
            timeout = aiohttp.ClientTimeout(
                total=remaining,
                sock_connect=min(self.connect_timeout, remaining),
                sock_read=min(self.first_byte_timeout, remaining) if moves_on else None,
            )
            task = asyncio.current_task() if moves_on else None
            if task is not None:
                endpoint.waiting.add(task)
            try:
                status, raw, h = await self._post(subgraph, endpoint.url, body, headers, timeout, remaining)
            except asyncio.CancelledError:
                if task is None or task not in endpoint.abandoned:
                    raise
                # Its circuit opened while we waited (another request or a probe found it hung).
                endpoint.abandoned.discard(task)
                task.uncancel()
                last = SubgraphError.timeout(subgraph, self.first_byte_timeout)
                continue
            except SubgraphError as e:
                route.failed(endpoint, e.failure or Failure.TRANSPORT, e.message)
                if not (idempotent or e.refused):
                    raise
                last = e
                continue
            finally:
                if task is not None:
                    endpoint.waiting.discard(task)
            if not route.identity_ok(h.get(SUBGRAPH_HEADER), h.get(SCHEMA_HEADER)):
                # Not the subgraph we expect: its answer is never used, whatever it says.
                route.failed(endpoint, Failure.IMPOSTOR, f"serves {h.get(SUBGRAPH_HEADER)!r}")
                last = SubgraphError.unreachable(subgraph, "the endpoint is not the expected subgraph")
                if not idempotent:
                    raise last
                continue
            failure = classify_response(status, raw)
            if failure is not None:
                route.failed(endpoint, failure, f"HTTP {status}")
                answered = (status, raw, h.get(CONSISTENCY), h.get(READ_SOURCE))
                if idempotent:
                    continue
                return answered
            _succeeded(route, endpoint)
            return status, raw, h.get(CONSISTENCY), h.get(READ_SOURCE)
        if answered is not None:
            return answered
        if last is None:
            reasons = "; ".join(
                f"{e.region or e.url}: {e.breaker.last_reason or e.breaker.state.value}" for e in route.endpoints
            )
            raise SubgraphError.unreachable(subgraph, f"no healthy endpoint (circuits open: {reasons})", refused=True)
        raise last

    async def _post(
        self,
        subgraph: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        limits: aiohttp.ClientTimeout | None,
        remaining: float,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        timeout = limits
        if remaining <= 0:
            raise SubgraphError.timeout(subgraph, self.timeout)
        all_headers = {**_BASE_HEADERS, **headers} if headers else _BASE_HEADERS
        try:
            if self.tracer is not None:
                return await traced_call(
                    self.tracer, subgraph, url, all_headers, lambda h: self._exchange(url, body, h, timeout)
                )
            return await self._exchange(url, body, all_headers, timeout)
        except _TooLarge:
            raise SubgraphError.malformed(
                subgraph, f"the response is larger than {self.max_response_bytes} bytes"
            ) from None
        except (SubgraphEncodingError, zlib.error) as e:
            raise SubgraphError.malformed(subgraph, f"bad content encoding ({e})") from None
        except _NoContent as e:
            raise SubgraphError.malformed(subgraph, f"HTTP {e.status} has no content") from None
        except aiohttp.ConnectionTimeoutError as e:
            # No connection within connect_timeout: the request never left, like a refusal.
            raise SubgraphError.unreachable(subgraph, "connect timeout", refused=True, failure=Failure.CONNECT) from e
        except TimeoutError as e:
            seconds = timeout.sock_read if timeout is not None and timeout.sock_read else self.timeout
            raise SubgraphError.timeout(subgraph, min(seconds, max(remaining, 0.0)) or seconds) from e
        except aiohttp.ClientConnectorError as e:
            raise SubgraphError.unreachable(
                subgraph, str(e) or e.__class__.__name__, refused=True, failure=Failure.CONNECT
            ) from e
        except aiohttp.ClientResponseError as e:
            # Raised while reading the status line and headers (redirects are not followed, statuses
            # not raised for): the bytes are not a valid HTTP response, e.g. Content-Length with
            # chunked, or a previous answer's excess body read as this one's status line.
            # aiohttp has closed the connection.
            raise SubgraphError.malformed(subgraph, f"invalid HTTP response ({_framing(e)})") from e
        except aiohttp.ClientError as e:
            raise SubgraphError.unreachable(subgraph, str(e) or e.__class__.__name__) from e


    async def _exchange(
        self, url: str, body: bytes, headers: Mapping[str, str], limits: aiohttp.ClientTimeout | None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        session = self._get_session()
        # A subgraph that redirects is misconfigured (or compromised): never follow it.
        if limits is None:
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as resp:
                return await self._read(resp)
        async with session.post(url, data=body, headers=headers, timeout=limits, allow_redirects=False) as resp:
            return await self._read(resp)

    async def _read(self, resp: aiohttp.ClientResponse) -> tuple[int, bytes, Mapping[str, str]]:
        status = resp.status
        if has_no_content(status):
            # Its connection is already closed (SubgraphResponse); aiohttp skips 1xx answers
            # before a final one, so this is a 101 nobody asked for, a 204 or a 304.
            resp.close()
            raise _NoContent(status)
        return status, await _read_bounded(resp, self.max_response_bytes), resp.headers


def _succeeded(route: Route, endpoint: Endpoint) -> None:
    breaker = endpoint.breaker
    if breaker.failures or breaker.trial_in_flight or endpoint.transport_strikes or not endpoint.healthy():
        route.succeeded(endpoint)


def _parse(subgraph: str, status: int, raw: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if status >= 300:
            raise SubgraphError.http_status(subgraph, status) from None
        raise SubgraphError.malformed(subgraph, "the body is not JSON") from None
    if not isinstance(parsed, dict) or ("data" not in parsed and "errors" not in parsed):
        if status >= 300:
            raise SubgraphError.http_status(subgraph, status)
        raise SubgraphError.malformed(subgraph, "no data or errors")
    return parsed
