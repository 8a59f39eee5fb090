"""What the transport reports per subgraph, as a small interface: the HTTP layer turns it into
Prometheus series (gateway/http/fetch_metrics.py), so the transport never imports the web layer.

`recorder(subgraph)` is asked once per subgraph name and kept by the transport: the hot path then
calls one bound method per fetch, with no label lookup.
"""

from __future__ import annotations

from typing import Protocol

from gateway.transport.breaker import State

# A fetch's outcome: the subgraph answered without errors, answered with GraphQL errors, did not
# answer in time, or failed otherwise (refused, HTTP error status, malformed or too large body).
OK = "ok"
ERRORS = "errors"
TIMEOUT = "timeout"
FAILED = "failed"
OUTCOMES = (OK, ERRORS, TIMEOUT, FAILED)


class FetchRecorder(Protocol):
    def record(self, outcome: str, seconds: float) -> None: ...


class FetchStats(Protocol):
    def recorder(self, subgraph: str) -> FetchRecorder: ...

    def breaker(self, subgraph: str, endpoint: str, state: State) -> None:
        """An endpoint's circuit is now in `state` (called on every change, and once at start)."""


class _NullRecorder:
    def record(self, outcome: str, seconds: float) -> None:
        return None


class NullFetchStats:
    _recorder = _NullRecorder()

    def recorder(self, subgraph: str) -> FetchRecorder:
        return self._recorder

    def breaker(self, subgraph: str, endpoint: str, state: State) -> None:
        return None
