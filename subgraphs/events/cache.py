"""The cache-invalidation consumer, and the hook interface the entity cache plugs into.

A hook is any callable taking one `ChangeEvent` (sync or async):

    async def evict(change: ChangeEvent) -> None:
        for ref in change.stale:        # EntityRef("Project", {"id": "prj-ams-001"}), ...
            await redis.delete(*keys_for(ref))

    CacheInvalidator([evict])

`charter events --cache-hook package.module:function` (or CHARTER_CACHE_HOOKS, comma-separated)
loads hooks by name. The consumer is durable (`cache-covenant`) on COVENANT with explicit acks: a
hook that raises gets the batch redelivered (hooks should be idempotent: evicting twice is
harmless), and event ids already handled by this process are skipped (a bounded memory of
recent ids), so a redelivery does not call the hooks again.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cachetools import FIFOCache

from subgraphs.events.consumer import Event

log = logging.getLogger("charter.events.cache")

STREAMS = ("COVENANT",)


@dataclass(frozen=True)
class EntityRef:
    """A federation entity made stale: `__typename` and its key fields."""

    typename: str
    key: dict[str, Any]
    fields: tuple[str, ...] = ()  # the fields that changed; empty: any field may have


@dataclass(frozen=True)
class ChangeEvent:
    event: Event
    kind: str  # metric_recorded | project_created | project_updated
    stale: tuple[EntityRef, ...] = field(default_factory=tuple)

    @property
    def project_id(self) -> str | None:
        p = self.event.payload
        return p.get("projectId") or p.get("id")


Hook = Callable[[ChangeEvent], Awaitable[None] | None]


def change_of(event: Event) -> ChangeEvent:
    kind = event.kind
    p = event.payload
    stale: tuple[EntityRef, ...]
    if kind == "metric_recorded":
        stale = (EntityRef("Project", {"id": p["projectId"]}, ("metrics",)),)
    elif kind in ("project_created", "project_updated"):
        stale = (EntityRef("Project", {"id": p["id"]}),)
    else:
        stale = ()
    return ChangeEvent(event, kind, stale)


def load_hook(spec: str) -> Hook:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"cache hook {spec!r}: expected package.module:function")
    hook = getattr(importlib.import_module(module), attr)
    if not callable(hook):
        raise ValueError(f"cache hook {spec!r} is not callable")
    return hook


class CacheInvalidator:
    name = "cache"

    def __init__(self, hooks: Iterable[Hook] = (), remember: int = 100_000) -> None:
        self.hooks: list[Hook] = list(hooks)
        self._seen: FIFOCache[str, None] = FIFOCache(remember)  # event ids applied, oldest out first

    def add_hook(self, hook: Hook) -> None:
        self.hooks.append(hook)

    async def apply(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.event_id in self._seen:
                continue
            change = change_of(event)
            for hook in self.hooks:
                result = hook(change)
                if inspect.isawaitable(result):
                    await result
            self._seen[event.event_id] = None
