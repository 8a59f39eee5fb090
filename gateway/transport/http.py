"""HTTP transport to subgraphs: one pooled keep-alive aiohttp session, timeouts, and deduplication
of identical in-flight query requests (many clients asking the same thing cost one subgraph call)."""

from __future__ import annotations

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
}


class HttpTransport:
    def __init__(
        self, timeout: float = 30.0, max_connections: int = 512, dedupe: bool = True, routes: Routes | None = None
    ) -> None:
        self.routes = routes or Routes()
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
            async with session.post(url, data=body, headers=all_headers) as resp:
                return resp.status, await resp.read()
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
