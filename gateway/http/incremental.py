"""Incremental delivery (`@defer`) over `multipart/mixed; deferSpec=20220824`, as Apollo Router
sends it and Apollo Client reads it.

The body is one `application/json` part per payload: first `{"data", "errors"?, "hasNext": true}`,
then `{"incremental": [...], "hasNext": ...}` parts as deferred fragments complete, the last with
`hasNext: false`, then the closing boundary. A client that does not offer this media type gets
the whole answer in one ordinary response (decided before planning, see the pipeline).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

CONTENT_TYPE = b'multipart/mixed;boundary="graphql";deferSpec=20220824'
DEFER_SPEC = "20220824"
# Each part is followed at once by the next delimiter (as Apollo Router writes them): a client knows
# a part is complete when it sees the delimiter after it, so a part must not wait for the next one.
_OPEN = b"\r\n--graphql"
_PART = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_CLOSE = b"--\r\n"  # after the last delimiter: the closing one


def accepts_incremental(accept: str) -> bool:
    """Whether an Accept header offers `multipart/mixed` with `deferSpec=20220824` (and q > 0).

    Cheap when it does not: a substring test is all the ordinary POST pays."""
    if "deferSpec" not in accept:
        return False
    for media_range in accept.split(","):
        bits = [b.strip() for b in media_range.split(";")]
        if bits[0].lower() != "multipart/mixed":
            continue
        params: dict[str, str] = {}
        for b in bits[1:]:
            name, _, value = b.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0 and params.get("deferspec") == DEFER_SPEC:
            return True
    return False


async def send_parts(
    send: Any,
    receive: Any,
    parts: AsyncIterator[bytes],
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """Stream encoded payloads as multipart parts; the client going away stops (and closes) `parts`,
    which cancels the deferred fetches still running."""
    disconnected = asyncio.create_task(_wait_disconnect(receive))
    iterator = parts.__aiter__()
    opening = _OPEN
    try:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", CONTENT_TYPE),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
            *headers,
        ]})
        while True:
            step = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({step, disconnected}, return_when=asyncio.FIRST_COMPLETED)
            if step not in done:  # the client left
                step.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await step
                return
            try:
                payload = step.result()
            except StopAsyncIteration:
                break
            chunk = opening + _PART + payload + _OPEN
            opening = b""
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": (opening or b"") + _CLOSE, "more_body": False})
    finally:
        disconnected.cancel()
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            await closer()


async def _wait_disconnect(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
