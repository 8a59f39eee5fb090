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
# tags. With a write's WAL position (ARGV[1], 16 hex digits; '' when unknown), each tag's
# write-position key (KEYS[n + i]) keeps the highest position written, for FILL to compare with.
# Returns how many entries were deleted (for charter_cache_evictions_total).
_INVALIDATE = """
local n = #KEYS / 2
local position = ARGV[1]
local deleted = 0
for t = 1, n do
  if position ~= '' then
    local w = KEYS[n + t]
    local old = redis.call('GET', w)
    if not old or old < position then
      redis.call('SET', w, position, 'EX', ARGV[2])
    else
      redis.call('EXPIRE', w, ARGV[2])
    end
  end
  local members = redis.call('SMEMBERS', KEYS[t])
  for i = 1, #members, 500 do
    deleted = deleted + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('DEL', KEYS[t])
end
return deleted
"""

# Stores entries and adds each to its tag sets, unless (for an answer stamped with the WAL position
# its reads reflect, ARGV[1]) one of its tags was written at a later position: that answer may
# predate the write, and storing it would undo the eviction. Checked and stored in one atomic
# step, so no eviction can fall between the check and the SET. KEYS, per entry: the entry, its n
# tag sets, their n write-position keys; ARGV: stamp, tag TTL, then per entry: value, TTL ms, n.
_FILL = """
local stamp = ARGV[1]
local check = stamp ~= '0000000000000000'
local tag_ttl = ARGV[2]
local k, a, stored = 1, 3, 0
while a <= #ARGV do
  local value, ttl, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  local fresh = true
  if check then
    for i = 1, n do
      local w = redis.call('GET', KEYS[k + n + i])
      if w and w > stamp then
        fresh = false
        break
      end
    end
  end
  if fresh then
    redis.call('SET', KEYS[k], value, 'PX', ttl)
    for i = 1, n do
      redis.call('SADD', KEYS[k + i], KEYS[k])
      redis.call('EXPIRE', KEYS[k + i], tag_ttl)
    end
    stored = stored + 1
  end
  k = k + 1 + 2 * n
end
return stored
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
        self._scripts: dict[str, Any] = {}

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

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.client.register_script(source)
        return script

    async def fill(
        self, entries: list[tuple[str, bytes, int, tuple[str, ...], tuple[str, ...]]], stamp: str, tag_ttl: int
    ) -> int | None:
        """SET each (key, value, TTL ms, tag set keys, write-position keys) unless a tag was
        written past `stamp` (see _FILL); the entries stored, or None if Redis failed."""
        keys: list[str] = []
        argv: list[Any] = [stamp, tag_ttl]
        for key, value, ttl, tag_keys, written_keys in entries:
            keys.append(key)
            keys.extend(tag_keys)
            keys.extend(written_keys)
            argv.extend((value, ttl, len(tag_keys)))
        script = self._script(_FILL)
        ok, n = await self.call(lambda c: script(keys=keys, args=argv, client=c))
        return int(n) if ok and n is not None else None

    async def set(self, key: str, value: bytes, ttl: int) -> bool:
        ok, _ = await self.call(lambda c: c.set(key, value, ex=ttl))
        return ok

    async def invalidate(
        self, tag_keys: list[str], written_keys: list[str], position: str, written_ttl: int
    ) -> int | None:
        """Delete every entry of these tag sets, and with a write's `position` ('' when unknown),
        raise each tag's write-position key (one per tag set, in order) to it; the count deleted,
        or None if Redis failed."""
        if not tag_keys:
            return 0
        script = self._script(_INVALIDATE)
        keys = tag_keys + written_keys
        ok, n = await self.call(lambda c: script(keys=keys, args=[position, written_ttl], client=c))
        return int(n) if ok and n is not None else None

    async def close(self) -> None:
        await self.client.aclose()
