"""One Redis connection pool for every cache, with a deadline on each call and a breaker.

A cache must never make the gateway slower or less available than no cache: every call has a
short deadline, and a failure (refused, timeout, protocol) turns the call into a miss. After
`trip_after` failures in a row (one slow reply on a busy machine is just a miss) the breaker
opens for `cooldown` seconds, so while Redis is down requests do not each wait for a timeout;
then one call probes it again. Each episode is logged once when it starts and once when it
ends, and exported through `CacheStats.degraded`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.cache.stats import CacheStats, NullStats

log = logging.getLogger("charter.gateway.cache")

T = TypeVar("T")

# Deletes every entry a tag set names, and the set, for each tag: one round trip for any number of
# tags. Returns how many entries were deleted (for charter_cache_evictions_total).
_INVALIDATE = """
local n = 0
for _, tag in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', tag)
  for i = 1, #members, 500 do
    n = n + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('DEL', tag)
end
return n
"""


class RedisStore:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.1,
        cooldown: float = 1.0,
        stats: CacheStats | None = None,
        max_connections: int = 64,
        trip_after: int = 3,
    ) -> None:
        import redis.asyncio as redis

        self.url = url
        self.timeout = timeout
        self.cooldown = cooldown
        self.stats: CacheStats = stats or NullStats()
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,  # waiting for a free connection counts against the same deadline
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self.client = redis.Redis(connection_pool=pool)
        self._open_until = 0.0  # breaker: skip Redis until then
        self.trip_after = trip_after
        self._failures = 0  # in a row
        self.down = False
        self._script: Any = None

    @property
    def available(self) -> bool:
        return not self.down or time.monotonic() >= self._open_until

    async def call(self, op: Callable[[Any], Awaitable[T]]) -> tuple[bool, T | None]:
        """Run `op(client)` within the deadline: (True, result), or (False, None) on any failure."""
        if self.down and time.monotonic() < self._open_until:
            return False, None
        self.stats.roundtrip()
        try:
            async with asyncio.timeout(self.timeout):
                result = await op(self.client)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # redis errors, OSError, TimeoutError: all mean "no cache now"
            self._failed(e)
            return False, None
        self._failures = 0
        if self.down:
            self.down = False
            log.warning("redis at %s is back: caches in use again", self.url)
            self.stats.degraded(False)
        return True, result

    def _failed(self, e: BaseException) -> None:
        self._failures += 1
        if self._failures < self.trip_after and not self.down:
            return
        self._open_until = time.monotonic() + self.cooldown
        if not self.down:
            self.down = True
            log.warning(
                "redis at %s unavailable (%s: %s): caches degrade to misses until it answers again",
                self.url, e.__class__.__name__, e,
            )
            self.stats.degraded(True)

    # ------------------------------------------------------------------ operations
    async def mget(self, keys: list[str]) -> list[bytes | None] | None:
        if not keys:
            return []
        ok, values = await self.call(lambda c: c.mget(keys))
        return values if ok else None

    async def get(self, key: str) -> bytes | None:
        _, value = await self.call(lambda c: c.get(key))
        return value

    async def set_tagged(self, entries: list[tuple[str, bytes, int, tuple[str, ...]]], tag_ttl: int) -> bool:
        """SET each (key, value, TTL in ms) and add the key to each of its tag sets: one pipeline."""

        async def op(c: Any) -> None:
            pipe = c.pipeline(transaction=False)
            tags: set[str] = set()
            for key, value, ttl, entry_tags in entries:
                pipe.set(key, value, px=ttl)
                for tag in entry_tags:
                    pipe.sadd(tag, key)
                    tags.add(tag)
            for tag in tags:
                pipe.expire(tag, tag_ttl)
            await pipe.execute()

        ok, _ = await self.call(op)
        return ok

    async def set(self, key: str, value: bytes, ttl: int) -> bool:
        ok, _ = await self.call(lambda c: c.set(key, value, ex=ttl))
        return ok

    async def invalidate(self, tag_keys: list[str]) -> int | None:
        """Delete every entry of these tag sets; the count deleted, or None if Redis failed."""
        if not tag_keys:
            return 0
        if self._script is None:
            self._script = self.client.register_script(_INVALIDATE)
        script = self._script
        ok, n = await self.call(lambda c: script(keys=tag_keys, client=c))
        return int(n) if ok and n is not None else None

    async def close(self) -> None:
        await self.client.aclose()
