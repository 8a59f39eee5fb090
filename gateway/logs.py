"""Structured (JSON lines) logs for operators, on the gateway and the subgraphs alike.

Each line carries the request's `request_id` (the client's `X-Request-Id` when it sent a sane
one, else one made when the request first logs) and, while a span is current, its `trace_id`
and `span_id`: a line leads to its trace, and a trace to its lines. Secrets never reach a line:
credentials in messages and tracebacks (Authorization values, bearer tokens, JWTs, passwords
in DSNs and `password=`/`token=` pairs) are replaced before the line is written.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import orjson
from opentelemetry import trace

REDACTED = "[REDACTED]"
REQUEST_ID_HEADER = b"x-request-id"
_STATE_KEY = "charter.request_id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

# The ASGI scope of the request being served (set once per request: one context variable),
# read only when a line is written.
_REQUEST: contextvars.ContextVar[MutableMapping[str, Any] | None] = contextvars.ContextVar("charter_request", default=None)

_SECRETS = [
    # header-like pairs: "authorization: Bearer x", 'Authorization': 'x', cookie=...
    (
        re.compile(
            r"""(?i)(["']?(?:proxy-)?authorization["']?\s*[:=]\s*["']?|["']?(?:set-)?cookie["']?\s*[:=]\s*["']?|["']?x-api-key["']?\s*[:=]\s*["']?)"""
            r"""[^"'\n,}]+"""
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),  # a JWT
    # a URL's password: scheme://user:password@host
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]+@"), r"\1" + REDACTED + "@"),
    # password=..., token: ..., secret=... (DSN keywords, query strings, repr()s)
    (
        re.compile(
            r"""(?i)\b((?:password|passwd|pwd|secret|token|access_token|refresh_token|api_key|apikey|client_secret)"""
            r"""["']?\s*[=:]\s*["']?)[^\s"'&,;)}]+"""
        ),
        r"\1" + REDACTED,
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def request_id(scope: MutableMapping[str, Any]) -> str:
    """The request's id: the client's X-Request-Id if sane, else made once and kept in the scope."""
    state = scope.setdefault("state", {})
    rid = state.get(_STATE_KEY)
    if rid is None:
        for name, value in scope.get("headers", ()):
            if name == REQUEST_ID_HEADER:
                candidate = value.decode("latin-1")
                if _SANE_ID.fullmatch(candidate):
                    rid = candidate
                break
        if rid is None:
            rid = os.urandom(8).hex()
        state[_STATE_KEY] = rid
    return rid


def current_request_id() -> str | None:
    scope = _REQUEST.get()
    return request_id(scope) if scope is not None else None


def bind_request(scope: MutableMapping[str, Any]) -> None:
    """Lines logged from now on in this task are this request's (each ASGI request runs in a
    task, and so a context, of its own: nothing to reset)."""
    _REQUEST.set(scope)


class RequestContext:
    """ASGI middleware: lines logged while a request is served carry its request id."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        token = _REQUEST.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _REQUEST.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Everything this process logs is the gateway's, uvicorn's lines included: one namespace.
        name = record.name if record.name.startswith("charter") else f"charter.{record.name}"
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}+00:00",
            "level": record.levelname.lower(),
            "logger": name,
            "msg": redact(record.getMessage()),
        }
        rid = current_request_id()
        if rid is not None:
            entry["request_id"] = rid
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry).decode()


def configure(level: str = "info", uvicorn_level: str | None = None) -> None:
    """JSON lines on stderr for the charter and uvicorn loggers. uvicorn's own lines are kept
    from `uvicorn_level` (default: warnings, or `level` if higher)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("charter", "uvicorn", "uvicorn.error", "uvicorn.access", "strawberry"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name in ("charter", "uvicorn", "strawberry") else []
        logger.propagate = name not in ("charter", "uvicorn", "strawberry")
    logging.getLogger("charter").setLevel(level.upper())
    quiet = logging.getLevelName(uvicorn_level.upper()) if uvicorn_level else logging.WARNING
    logging.getLogger("uvicorn").setLevel(max(quiet, logging.getLevelName(level.upper())))


# For uvicorn.run(log_config=...): keep uvicorn from installing its plain-text handlers.
UVICORN_LOG_CONFIG: dict[str, object] = {"version": 1, "disable_existing_loggers": False}
