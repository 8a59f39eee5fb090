"""Responses whose status has no content (RFC 9110: 1xx, 204, 304) never go back to the pool.

aiohttp reads no body for them and hands their connection back to the pool while it reads the
headers, before the caller sees the status. Whatever a subgraph sent after those headers (a
declared Content-Length's worth, any body) is then still on the keep-alive connection and would be
parsed as the next fetch's response: a desynchronised connection, and before the address scrubbing
was linear, the Bad status line quoting it froze the gateway (issue 10). Such an answer is never a
GraphQL answer anyway, so its connection is closed as soon as the status is known.
"""

from __future__ import annotations

import aiohttp
from aiohttp.connector import Connection

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
