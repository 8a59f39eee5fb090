"""Event-driven invalidation: an event names an entity that changed; evict exactly what holds it.

`EventInvalidator.on_event(subject, payload)` is the hook an event consumer calls (the gateway's
own JetStream consumer, `gateway.cache.nats_consumer`, or any other). The config's `events` rules
map a subject pattern to an entity type and its key fields to payload fields; the entries evicted
are the entity's (any subgraph, any selection), and the entries of the type's dependents (lists
of it, aggregates such as stats; or, when the event lists the fields its write set and the rule
maps them, only what those fields feed). Evicting is idempotent, so a redelivered event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gateway.cache.entity import EntityCache

log = logging.getLogger("charter.gateway.cache")


class EventInvalidator:
    def __init__(self, cache: EntityCache) -> None:
        self.cache = cache
        self.rules = cache.config.events

    def tags_for(self, subject: str, payload: Mapping[str, Any]) -> set[str]:
        tags: set[str] = set()
        for rule in self.rules:
            if not rule.matches(subject):
                continue
            values = [payload.get(field) for _, field in rule.key]
            tags |= self.cache.write_tags(
                rule.type, None if any(v is None for v in values) else values, rule.dependents_for(payload), rule.sets
            )
        return tags

    async def on_event(self, subject: str, payload: Mapping[str, Any], position: int | None = None) -> int | None:
        """Entries evicted (0 when the event names nothing cached), or None when Redis failed:
        the caller should redeliver the event later. `position`, when the publisher knows it, is
        a WAL position at or past the write: entries read before it are not stored afterwards."""
        tags = self.tags_for(subject, payload)
        if not tags:
            return 0
        return await self.cache.evict(tags, "event", position)
