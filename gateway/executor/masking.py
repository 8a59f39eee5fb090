"""What of a subgraph's errors reaches clients.

Messages are forwarded (unless redacted), but never stack traces, exception objects or other
internal extensions, and never an internal address: `host:port` and URLs in messages become
`<subgraph>`, filesystem paths `<path>`. With redaction (production) a subgraph's message is
replaced; its code and path are kept, so clients can still handle it.
"""

from __future__ import annotations

import re
from typing import Any

_INTERNAL_EXTENSIONS = frozenset(
    {"stacktrace", "stackTrace", "exception", "exceptionStacktrace", "trace", "debug", "sql", "originalError", "locations"}
)
# host:port (an IP, localhost, a dotted name or [v6]; not a time of day like 10:00:00), URL path too
_ADDRESS = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://)?(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[a-zA-Z][\w-]*(?:\.[\w-]+)+)"
    r":\d{1,5}\b(?!:)(?:/[^\s'\"]*)?"
)
_PATH = re.compile(r"(?<![\w:/])/(?:[\w.-]+/)+[\w.-]+")
REDACTED = "Subgraph errors redacted"


def scrub(message: str) -> str:
    if ":" in message:
        message = _ADDRESS.sub("<subgraph>", message)
    if "/" in message:
        message = _PATH.sub("<path>", message)
    return message


def clean(errors: list[dict[str, Any]], redact: bool) -> list[dict[str, Any]]:
    out = []
    for e in errors:
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
