"""What counts as an endpoint being unavailable: the one place that defines it.

A fetch outcome in `FAILURES` is held against the endpoint that produced it: it feeds the endpoint's
circuit breaker and, for a request that may be repeated (a query), moves the request on to the next
endpoint. Everything else (a 4xx, a GraphQL error about the query or its data) is the answer and
is passed to the client as it is.
"""

from __future__ import annotations

from enum import StrEnum

import orjson


class Failure(StrEnum):
    CONNECT = "connect"  # refused, reset before a byte was sent, or no connection within connect_timeout
    TIMEOUT = "timeout"  # connected, but no (complete) answer within the first-byte or total timeout
    HTTP_5XX = "http-5xx"  # the server answered, and said it failed
    UNAVAILABLE = "unavailable"  # a GraphQL answer whose errors say a backend it needs is down
    IMPOSTOR = "impostor"  # the process on that port is not the subgraph we expect
    TRANSPORT = "transport"  # the connection broke mid-answer


# HTTP statuses that say "this instance cannot serve now", not "your request is wrong".
UNAVAILABLE_STATUS_MIN = 500

# `extensions.code` values a subgraph uses when a backend it depends on is unreachable
# (subgraphs/common/masking.py emits DATABASE_UNAVAILABLE; SERVICE_UNAVAILABLE is the common name).
UNAVAILABLE_CODES = frozenset({"DATABASE_UNAVAILABLE", "SERVICE_UNAVAILABLE", "BACKEND_UNAVAILABLE"})
_MARKER = b"_UNAVAILABLE"  # every code above contains it: a memchr-fast precheck per response


def classify_response(status: int, raw: bytes) -> Failure | None:
    """The failure a subgraph's HTTP answer represents, or None when it is a real answer."""
    if status >= UNAVAILABLE_STATUS_MIN:
        return Failure.HTTP_5XX
    if _MARKER in raw and _has_unavailable_error(raw):
        return Failure.UNAVAILABLE
    return None


def _has_unavailable_error(raw: bytes) -> bool:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    for e in errors or ():
        ext = e.get("extensions") if isinstance(e, dict) else None
        if isinstance(ext, dict) and ext.get("code") in UNAVAILABLE_CODES:
            return True
    return False
