"""What a subgraph instance says it is, on every HTTP response: its subgraph name, the sha256 of
its SDL (what the gateway's routing file expects, see gateway/transport/routing.py) and an id of
this process. A process that took a dead subgraph's port cannot send these for the right schema,
so the gateway sends it neither traffic nor credentials.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

SUBGRAPH_HEADER = "x-charter-subgraph"
SCHEMA_HEADER = "x-charter-schema-hash"
INSTANCE_HEADER = "x-charter-instance"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def schema_hash(sdl: str) -> str:
    return hashlib.sha256(sdl.strip().encode("utf-8")).hexdigest()


def instance_id() -> str:
    """CHARTER_INSTANCE_ID, or a fresh id per process (a restart is a new instance)."""
    return os.environ.get("CHARTER_INSTANCE_ID") or uuid.uuid4().hex[:16]


class IdentityHeaders:
    """Plain ASGI middleware: three constant headers appended to every response start."""

    def __init__(self, app: ASGI, name: str, sdl_hash: str, instance: str) -> None:
        self.app = app
        self.instance = instance
        self.headers = [
            (SUBGRAPH_HEADER.encode(), name.encode()),
            (SCHEMA_HEADER.encode(), sdl_hash.encode()),
            (INSTANCE_HEADER.encode(), instance.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def identified(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            await send(message)

        await self.app(scope, receive, identified)
