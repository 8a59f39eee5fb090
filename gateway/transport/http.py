"""HTTP transport to subgraphs: one pooled keep-alive aiohttp session, timeouts, and deduplication
of identical in-flight query requests (many clients asking the same thing cost one subgraph call)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.inflight import InFlight
from gateway.transport.errors import SubgraphError
from gateway.transport.routing import Routes

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


class HttpTransport:
    def __init__(
        self,
        timeout: float = 30.0,
        max_connections: int = 512,
        dedupe: bool = True,
        routes: Routes | None = None,
        max_response_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.routes = routes or Routes()
        self.max_response_bytes = max_response_bytes
        self.timeout = timeout
        self.max_connections = max_connections
        self.dedupe_enabled = dedupe
        self._session: aiohttp.ClientSession | None = None
        self._inflight: InFlight[tuple[int, bytes]] = InFlight()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, limit_per_host=self.max_connections, keepalive_timeout=60,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                skip_auto_headers=("User-Agent",),
                auto_decompress=False,  # inflated by _read_bounded, within the byte limit
                json_serialize=lambda o: orjson.dumps(o).decode(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str], dedupe: bool
    ) -> dict[str, Any]:
        if dedupe and self.dedupe_enabled:
            status, raw = await self._shared(subgraph, url, body, headers, dedupe)
        else:
            status, raw = await self._routed(subgraph, url, body, headers, dedupe)
        # Every caller parses its own copy: the executor merges into (and so mutates) what it gets.
        return _parse(subgraph, status, raw)

    async def _routed(
        self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str], idempotent: bool
    ) -> tuple[int, bytes]:
        """Send to the first healthy endpoint of the subgraph, failing over down the list.

        A query fails over on any transport failure or 5xx; a mutation only when the connection
        was refused (it cannot have run), so a write is never applied twice."""
        endpoints = self.routes.endpoints(subgraph, url)
        if len(endpoints) == 1:
            return await self._post(subgraph, endpoints[0].url, body, headers)
        last: SubgraphError | None = None
        for endpoint in endpoints:
            try:
                status, raw = await self._post(subgraph, endpoint.url, body, headers)
            except SubgraphError as e:
                if not (idempotent or e.refused):
                    raise
                self.routes.mark_down(subgraph, endpoint, e.message)
                last = e
                continue
            if status >= 500 and idempotent:
                self.routes.mark_down(subgraph, endpoint, f"HTTP {status}")
                last = SubgraphError.http_status(subgraph, status)
                continue
            self.routes.mark_up(endpoint)
            return status, raw
        assert last is not None
        raise last

    async def _shared(
        self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str], idempotent: bool
    ) -> tuple[int, bytes]:
        key = (url, body, tuple(sorted(headers.items())))
        return await self._inflight.run(key, lambda: self._routed(subgraph, url, body, headers, idempotent))

    async def _post(
        self, subgraph: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        session = self._get_session()
        all_headers = {**_BASE_HEADERS, **headers} if headers else _BASE_HEADERS
        try:
            # A subgraph that redirects is misconfigured (or compromised): never follow it.
            async with session.post(url, data=body, headers=all_headers, allow_redirects=False) as resp:
                return resp.status, await _read_bounded(resp, self.max_response_bytes)
        except _TooLarge:
            raise SubgraphError.malformed(
                subgraph, f"the response is larger than {self.max_response_bytes} bytes"
            ) from None
        except (SubgraphEncodingError, zlib.error) as e:
            raise SubgraphError.malformed(subgraph, f"bad content encoding ({e})") from None
        except TimeoutError as e:
            raise SubgraphError.timeout(subgraph, self.timeout) from e
        except aiohttp.ClientConnectorError as e:
            raise SubgraphError.unreachable(subgraph, str(e) or e.__class__.__name__, refused=True) from e
        except aiohttp.ClientError as e:
            raise SubgraphError.unreachable(subgraph, str(e) or e.__class__.__name__) from e


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
