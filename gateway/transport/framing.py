"""Keep-alive connections to subgraphs carry only the answers asked for (issue 10).

Responses whose status has no content (RFC 9110: 1xx, 204, 304) never go back to the pool.

aiohttp reads no body for them and hands their connection back to the pool while it reads the
headers, before the caller sees the status. Whatever a subgraph sent after those headers (a
declared Content-Length's worth, any body) is then still on the keep-alive connection and would be
parsed as the next fetch's response: a desynchronised connection, and before the address scrubbing
was linear, the Bad status line quoting it froze the gateway (issue 10). Such an answer is never a
GraphQL answer anyway, so its connection is closed as soon as the status is known.

A pooled connection that received bytes while idle (a body longer than its Content-Length sent in
a later segment, an answer nobody asked for) is never reused either: aiohttp would hand the queued
message to the next fetch as its answer. Nor is one whose socket has unread bytes (or the server's
close) the event loop has not yet delivered: the excess sent right behind an answer is usually still
in the kernel's buffer when the next fetch of the same request (an `_entities` fetch) looks for a
connection. One poll(2) of one descriptor per reuse (plain TCP only). Bytes a server sends only after the next
request has gone out cannot be told from its answer; HTTP/1.1 gives a client no way to.
"""

from __future__ import annotations

import asyncio
import select
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.connector import Connection

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ConnectionKey
    from aiohttp.tracing import Trace

NO_CONTENT = frozenset({204, 304})


def has_no_content(status: int) -> bool:
    return status in NO_CONTENT or status < 200


class SubgraphResponse(aiohttp.ClientResponse):
    async def start(self, connection: Connection) -> aiohttp.ClientResponse:
        protocol = connection.protocol  # kept: aiohttp may release the connection inside start()
        await super().start(connection)
        if protocol is not None and has_no_content(self.status):
            # Nothing ran between the release and here (no await since): no fetch has taken it.
            protocol.force_close()
            protocol.close()
        return self


class SubgraphConnector(aiohttp.TCPConnector):
    async def _get(self, key: ConnectionKey, traces: list[Trace]) -> Connection | None:
        # (aiohttp's pool lookup: the one place a pooled connection is handed out again)
        while True:
            conn = await super()._get(key, traces)
            protocol = conn.protocol if conn is not None else None
            # (TLS: a record the TLS layer has not read yet, e.g. a session ticket, is no answer)
            if protocol is None or not (protocol.should_close or (not key.is_ssl and _unread(protocol.transport))):
                return conn
            # Something arrived (or failed, or the server closed) while it sat idle: close it and
            # take the next one.
            assert conn is not None
            conn.close()


def _unread(transport: asyncio.BaseTransport | None) -> bool:
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return False
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLRDHUP)
    return bool(poller.poll(0))
