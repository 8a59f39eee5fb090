"""Correctness of a gateway's answer: POST the payload, compare the parsed JSON with expected.json."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""


def post(url: str, body: bytes, timeout: float = 15.0) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        connection.request(
            "POST",
            parts.path or "/",
            body=body,
            headers={"content-type": "application/json", "accept": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """Where two JSON values first differ, as a readable path (None when equal)."""
    if type(got) is not type(want):
        return f"{path}: got {_short(got)}, want {_short(want)}"
    if isinstance(want, dict):
        if set(got) != set(want):
            return f"{path}: keys {sorted(got)} != {sorted(want)}"
        for key in want:
            found = first_difference(got[key], want[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items, want {len(want)}"
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            found = first_difference(g, w, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if got == want else f"{path}: got {_short(got)}, want {_short(want)}"


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 120 else text[:117] + "..."


def check_answer(url: str, payload: bytes, expected: Any, timeout: float = 15.0) -> Check:
    try:
        status, body = post(url, payload, timeout)
    except (OSError, http.client.HTTPException) as error:
        return Check(False, f"request failed: {error!r}")
    if status != 200:
        return Check(False, f"HTTP {status}: {body[:300]!r}")
    try:
        got = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Check(False, f"answer is not JSON: {body[:300]!r}")
    if got == expected:
        return Check(True)
    return Check(False, first_difference(got, expected) or "answers differ")
