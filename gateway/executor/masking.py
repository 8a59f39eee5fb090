"""What of a subgraph's errors reaches clients.

Messages are forwarded (unless redacted), but never stack traces, exception objects or other
internal extensions, and never an internal address: `host:port` and URLs in messages become
`<subgraph>`, filesystem paths `<path>`. With redaction (production) a subgraph's message is
replaced; its code and path are kept, so clients can still handle it.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.addresses import HOST, RUN_START

_INTERNAL_EXTENSIONS = frozenset(
    {"stacktrace", "stackTrace", "exception", "exceptionStacktrace", "trace", "debug", "sql", "originalError", "locations"}
)
# host:port (an IP, localhost, a dotted name or [v6]; not a time of day like 10:00:00), URL path too
# (linear whatever the message: see gateway/addresses.py)
_ADDRESS = re.compile(
    RUN_START + r"(?:[a-zA-Z][a-zA-Z0-9+.-]*+://)?" + HOST + r":\d{1,5}\b(?!:)(?:/[^\s'\"]*+)?"
)
_PATH = re.compile(r"(?<![\w:/])/(?:[\w.-]+/)+[\w.-]+")
REDACTED = "Subgraph errors redacted"


def scrub(message: str) -> str:
    if ":" in message:
        message = _ADDRESS.sub("<subgraph>", message)
    if "/" in message:
        message = _PATH.sub("<path>", message)
    return message


NO_MESSAGE = "The subgraph reported an error without a message."


def _well_formed(e: Any) -> dict[str, Any]:
    """A GraphQL error as the spec has it, whatever a subgraph sent: a non-empty string message,
    a path of names and indices or none, extensions an object or none."""
    if not isinstance(e, dict):
        return {"message": NO_MESSAGE}
    message = e.get("message")
    path = e.get("path")
    ext = e.get("extensions")
    if isinstance(message, str) and message and (path is None or _is_path(path)) and (ext is None or isinstance(ext, dict)):
        return e
    fixed: dict[str, Any] = {"message": message if isinstance(message, str) and message else NO_MESSAGE}
    if _is_path(path):
        fixed["path"] = path
    if isinstance(ext, dict):
        fixed["extensions"] = ext
    return fixed


def _is_path(path: Any) -> bool:
    return isinstance(path, list) and all(
        isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in path
    )


def clean(errors: list[dict[str, Any]], redact: bool) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        e = _well_formed(e)
        ext = e.get("extensions")
        from_subgraph = isinstance(ext, dict) and "service" in ext
        if isinstance(ext, dict) and not _INTERNAL_EXTENSIONS.isdisjoint(ext):
            e = {**e, "extensions": {k: v for k, v in ext.items() if k not in _INTERNAL_EXTENSIONS}}
        message = e.get("message")
        if from_subgraph and isinstance(message, str):  # the gateway's own messages need no scrubbing
            scrubbed = REDACTED if redact else scrub(message)
            if scrubbed != message:
                e = {**e, "message": scrubbed}
        out.append(e)
    return out
