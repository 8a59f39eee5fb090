"""One NATS connection per process, reconnecting forever (a NATS restart is an outage to ride out,
not a reason to exit)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client

log = logging.getLogger("charter.events")


async def connect(urls: Sequence[str], name: str) -> Client:
    async def on_disconnect() -> None:
        log.warning("%s: disconnected from NATS", name)

    async def on_reconnect() -> None:
        log.warning("%s: reconnected to NATS", name)

    async def on_error(exc: Exception) -> None:
        log.warning("%s: NATS error: %s", name, exc)

    return await nats.connect(
        servers=list(urls),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        # Retry the first connection too: `charter up` may start us a moment before NATS listens.
        allow_reconnect=True,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
