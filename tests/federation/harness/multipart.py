"""Read a `multipart/mixed` GraphQL response (incremental delivery) as it arrives, and merge its
payloads the way a client does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

DEFER_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"


def boundary_of(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"')
    raise ValueError(f"no boundary in {content_type!r}")


def read_parts(response: httpx.Response) -> Iterator[tuple[float, dict[str, Any]]]:
    """(time.monotonic() when it arrived, payload) for each JSON part, in order."""
    delimiter = b"\r\n--" + boundary_of(response.headers["content-type"]).encode()
    buffer = b"\r\n"  # the first delimiter may open the body without a line break before it
    for chunk in response.iter_bytes():
        buffer += chunk
        while True:
            at = buffer.find(delimiter)
            if at < 0:
                break
            part, buffer = buffer[:at], buffer[at + len(delimiter):]
            _, separator, body = part.partition(b"\r\n\r\n")
            if separator and body.strip():
                yield time.monotonic(), json.loads(body)
            if buffer.startswith(b"--"):  # the closing delimiter
                return


def _set_at(target: Any, path: list[str | int], data: dict[str, Any]) -> None:
    for step in path:
        target = target[step]
    deep_merge(target, data)


def deep_merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        have = into.get(key)
        if isinstance(have, dict) and isinstance(value, dict):
            deep_merge(have, value)
        elif isinstance(have, list) and isinstance(value, list) and len(have) == len(value):
            for i, (a, b) in enumerate(zip(have, value, strict=True)):
                if isinstance(a, dict) and isinstance(b, dict):
                    deep_merge(a, b)
                else:
                    have[i] = b
        else:
            into[key] = value


def merged(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole answer, as a client assembles it: incremental data merged at its path (an item
    whose data is null adds nothing: its error says why), every error collected."""
    first = payloads[0]
    result: dict[str, Any] = {"data": json.loads(json.dumps(first.get("data")))}
    errors = list(first.get("errors") or [])
    for payload in payloads[1:]:
        for item in payload.get("incremental") or ():
            errors.extend(item.get("errors") or ())
            if isinstance(item.get("data"), dict) and result["data"] is not None:
                _set_at(result["data"], item["path"], item["data"])
        errors.extend(payload.get("errors") or ())
    if errors:
        result["errors"] = errors
    return result
