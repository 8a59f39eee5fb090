"""A subgraph request that produced no GraphQL response."""

from __future__ import annotations

import re
from typing import Any

from gateway.addresses import HOST, RUN_START
from gateway.errors import (
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    SUBREQUEST_TIMEOUT,
    error,
)
from gateway.transport.failures import Failure

_ADDRESS = re.compile(
    RUN_START + HOST + r":\d{1,5}\b"
    r"|\('[^']*+', \d{1,5}(?:, \d+, \d+)?\)"  # asyncio's ('host', port) in "Connect call failed"
)
_REASON_CHARS = 300  # an aiohttp message can quote what the subgraph sent: keep what reaches clients short


class SubgraphError(Exception):
    def __init__(
        self, service: str, message: str, code: str, refused: bool = False, failure: Failure | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.refused = refused  # the connection was refused: the request never reached the subgraph
        self.failure = failure  # how the endpoint failed (for its circuit breaker)
        self.service = service
        self.message = message
        self.code = code
        self.extensions = extensions

    def to_error(self) -> dict[str, Any]:
        return error(self.message, self.code, service=self.service, **self.extensions)

    @classmethod
    def unreachable(
        cls, service: str, reason: str, refused: bool = False, failure: Failure = Failure.TRANSPORT
    ) -> SubgraphError:
        # aiohttp names the host and port it could not reach: internal detail, not for clients
        if len(reason) > _REASON_CHARS:
            reason = reason[:_REASON_CHARS] + "..."
        reason = _ADDRESS.sub("<subgraph>", reason)
        return cls(
            service, f"HTTP fetch failed from '{service}': {reason}", SUBREQUEST_HTTP_ERROR, refused, failure,
            reason=reason,
        )

    @classmethod
    def timeout(cls, service: str, seconds: float) -> SubgraphError:
        return cls(
            service, f"Subgraph '{service}' did not answer within {seconds:g}s.", SUBREQUEST_TIMEOUT,
            failure=Failure.TIMEOUT,
        )

    @classmethod
    def http_status(cls, service: str, status: int) -> SubgraphError:
        return cls(
            service,
            f"HTTP fetch failed from '{service}': {status}",
            SUBREQUEST_HTTP_ERROR,
            http={"status": status},
        )

    @classmethod
    def malformed(cls, service: str, why: str) -> SubgraphError:
        return cls(
            service,
            f"Subgraph '{service}' returned a malformed response: {why}.",
            SUBREQUEST_MALFORMED_RESPONSE,
        )
