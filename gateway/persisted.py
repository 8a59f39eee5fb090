"""Automatic persisted queries (APQ): clients send a document's SHA-256 instead of its text.

The protocol is Apollo's: `extensions.persistedQuery = {version: 1, sha256Hash}`; an unknown hash
answers PERSISTED_QUERY_NOT_FOUND and the client retries with the text, which is stored after its
hash is checked. The store is an in-process LRU, optionally backed by Redis so that every gateway
instance (and every worker) shares what any of them learned.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from typing import Any, Protocol

from gateway.errors import PERSISTED_QUERY_NOT_FOUND, RequestError

log = logging.getLogger("charter.gateway.apq")

PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...
    async def put(self, digest: str, query: str) -> None: ...


class MemoryStore:
    """LRU bounded by entries and by bytes of query text (clients choose what they register)."""

    def __init__(self, size: int = 10_000, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        q = self._entries.get(digest)
        if q is not None:
            self._entries.move_to_end(digest)
        return q

    async def put(self, digest: str, query: str) -> None:
        if len(query) > self.max_bytes:
            return  # never cached: the client sends it in full every time
        old = self._entries.pop(digest, None)
        if old is not None:
            self.bytes -= len(old)
        self._entries[digest] = query
        self.bytes += len(query)
        while len(self._entries) > self.size or self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= len(evicted)


class RedisStore:
    """APQ entries in Redis (shared by all instances), in front of a local LRU."""

    def __init__(self, url: str, ttl_seconds: int = 7 * 24 * 3600, prefix: str = "charter:apq:") -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.ttl = ttl_seconds
        self.prefix = prefix
        self.local = MemoryStore()

    async def get(self, digest: str) -> str | None:
        q = await self.local.get(digest)
        if q is not None:
            return q
        try:
            raw = await self.client.get(self.prefix + digest)
        except Exception as e:  # Redis down: APQ degrades to a miss, never to an error
            log.warning("redis unavailable for persisted queries: %s", e)
            return None
        if raw is None:
            return None
        q = raw.decode()
        await self.local.put(digest, q)
        return q

    async def put(self, digest: str, query: str) -> None:
        await self.local.put(digest, query)
        try:
            await self.client.set(self.prefix + digest, query, ex=self.ttl)
        except Exception as e:
            log.warning("redis unavailable for persisted queries: %s", e)

    async def close(self) -> None:
        await self.client.aclose()


async def resolve(store: QueryStore | None, query: str | None, extensions: dict[str, Any] | None) -> str | None:
    """The document text for a request, applying the APQ protocol when the request uses it."""
    pq = (extensions or {}).get("persistedQuery")
    if pq is None:
        return query
    if store is None:
        raise RequestError("Persisted queries are not supported.", PERSISTED_QUERY_NOT_SUPPORTED, 400, malformed=True)
    if not isinstance(pq, dict) or pq.get("version") != 1 or not isinstance(pq.get("sha256Hash"), str):
        raise RequestError(
            "Unsupported persisted query: send version 1 with a sha256Hash.", "BAD_REQUEST", 400, malformed=True
        )
    digest = pq["sha256Hash"].lower()
    if query is None:
        stored = await store.get(digest)
        if stored is None:
            # 200 even for graphql-response+json: clients treat this as "send the text", not a failure
            raise RequestError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND, 200)
        return stored
    if hashlib.sha256(query.encode()).hexdigest() != digest:
        raise RequestError("provided sha does not match query", "BAD_REQUEST", 400, malformed=True)
    await store.put(digest, query)
    return query
