"""Persisted queries: automatic (APQ) and trusted documents.

APQ is Apollo's protocol: `extensions.persistedQuery = {version: 1, sha256Hash}`; an unknown hash
answers PERSISTED_QUERY_NOT_FOUND and the client retries with the text, which is stored after its
hash is checked *and the document validated* (the pipeline registers it only then), and only if
it is within the size limit. The store is an in-process LRU bounded by entries and bytes,
optionally in front of Redis (shared by every instance; bounded there by TTL and Redis's
maxmemory), through the caches' shared Redis client: a Redis failure is a miss.

Trusted documents (production): only operations in a manifest run. The manifest is Apollo's
`persisted-query-manifest.json` (`{"format": "apollo-persisted-query-manifest", "operations":
[{"id", "body", ...}]}`) or the `{"<id>": "<document>"}` map GraphQL Codegen's client preset and
Hive's app deployments produce. Clients send the id as `extensions.persistedQuery.sha256Hash`
(Apollo) or `documentId` (GraphQL over HTTP / Hive); a full `query` runs only if it is in the
manifest, byte for byte.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol

import orjson

from gateway.cache.redis_store import RedisStore as SharedRedis
from gateway.cache.stats import CacheStats, NullStats
from gateway.errors import PERSISTED_QUERY_NOT_FOUND, RequestError
from gateway.lru import LRU

log = logging.getLogger("charter.gateway.apq")

PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"  # Apollo Router's codes for safelisting
QUERY_NOT_IN_SAFELIST = "QUERY_NOT_IN_SAFELIST"

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024


class QueryStore(Protocol):
    max_document_bytes: int

    async def get(self, digest: str) -> str | None: ...
    async def put(self, digest: str, query: str) -> None: ...


class MemoryStore:
    """LRU bounded by entry count and total document bytes."""

    def __init__(
        self,
        size: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        stats: CacheStats | None = None,
    ) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        # bounded in UTF-8 bytes, as the document size limit counts them
        self._entries: LRU[str, str] = LRU(size, max_bytes, _utf8_size)
        # Counts lookups only when it is the store (not the local layer of RedisStore, which counts).
        self.stats: CacheStats = stats or NullStats()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return int(self._entries.currsize)

    async def get(self, digest: str) -> str | None:
        q = self._entries.get(digest)
        self.stats.request("apq", "hit" if q is not None else "miss")
        return q

    async def put(self, digest: str, query: str) -> None:
        size = len(query.encode())
        if size > self.max_document_bytes or size > self.max_bytes:
            return
        self._entries[digest] = query


def _utf8_size(query: str) -> int:
    return len(query.encode())


class RedisStore:
    """APQ entries in Redis (shared by all instances), in front of a bounded local LRU."""

    def __init__(
        self,
        redis: SharedRedis,
        ttl_seconds: int = 7 * 24 * 3600,
        prefix: str = "charter:apq:",
        local: MemoryStore | None = None,
        stats: CacheStats | None = None,
    ) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.prefix = prefix
        self.local = local or MemoryStore()
        self.max_document_bytes = self.local.max_document_bytes
        self.stats: CacheStats = stats or NullStats()

    async def get(self, digest: str) -> str | None:
        q = await self.local.get(digest)
        if q is not None:
            self.stats.request("apq", "hit")
            return q
        ok, raw = await self.redis.call(lambda c: c.get(self.prefix + digest))
        if not ok:
            self.stats.request("apq", "error")  # Redis down: APQ degrades to a miss, never an error
            return None
        if raw is None:
            self.stats.request("apq", "miss")
            return None
        self.stats.request("apq", "hit")
        q = raw.decode()
        await self.local.put(digest, q)
        return q

    async def put(self, digest: str, query: str) -> None:
        if len(query.encode()) > self.max_document_bytes:
            return
        await self.local.put(digest, query)
        await self.redis.set(self.prefix + digest, query.encode(), self.ttl)


class TrustedDocuments:
    """The manifest of operations allowed to run, by id and by text."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.by_id = dict(documents)
        self.texts = set(documents.values())

    def __len__(self) -> int:
        return len(self.by_id)

    @classmethod
    def load(cls, path: str | Path) -> TrustedDocuments:
        try:
            raw = orjson.loads(Path(path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as e:
            raise ValueError(f"cannot read the trusted documents manifest {path}: {e}") from e
        return cls(parse_manifest(raw, str(path)))

    def lookup(self, document_id: str) -> str | None:
        found = self.by_id.get(document_id)
        if found is None and document_id.startswith("sha256:"):
            found = self.by_id.get(document_id[7:])
        return found


def parse_manifest(raw: Any, where: str = "manifest") -> dict[str, str]:
    if isinstance(raw, dict) and raw.get("format") == "apollo-persisted-query-manifest":
        ops = raw.get("operations")
        if not isinstance(ops, list):
            raise ValueError(f"{where}: an Apollo manifest needs an `operations` list")
        out = {}
        for i, op in enumerate(ops):
            if not isinstance(op, dict) or not isinstance(op.get("id"), str) or not isinstance(op.get("body"), str):
                raise ValueError(f"{where}: operations[{i}] needs a string `id` and `body`")
            out[op["id"]] = op["body"]
        return out
    if isinstance(raw, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        return dict(raw)  # {"<id>": "<document>"}: GraphQL Codegen client preset, Hive
    raise ValueError(
        f"{where}: expected Apollo's persisted-query-manifest.json or a JSON object of id -> document"
    )


def trusted_text(trusted: TrustedDocuments, query: str | None, extensions: dict[str, Any] | None, document_id: str | None) -> str:
    """The document to run in trusted-documents mode, or a request error naming why not."""
    pq = (extensions or {}).get("persistedQuery")
    wanted = document_id
    if wanted is None and isinstance(pq, dict) and isinstance(pq.get("sha256Hash"), str):
        wanted = pq["sha256Hash"]
    if wanted is not None:
        found = trusted.lookup(wanted)
        if found is None:
            raise RequestError(
                f"Persisted query '{wanted[:80]}' is not in the trusted documents list: only registered operations run here.",
                PERSISTED_QUERY_NOT_IN_LIST, 400, malformed=True,
            )
        if query is not None and query != found:
            raise RequestError("provided query does not match the registered document", "BAD_REQUEST", 400, malformed=True)
        return found
    if query is not None and query in trusted.texts:
        return query
    raise RequestError(
        "This operation is not in the trusted documents list: only registered operations run here (send its id).",
        QUERY_NOT_IN_SAFELIST, 400, malformed=True,
    )


async def resolve(store: QueryStore | None, query: str | None, extensions: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The document text for a request under the APQ protocol, and the digest to register once
    the document has been validated (None: nothing to register)."""
    pq = (extensions or {}).get("persistedQuery")
    if pq is None:
        return query, None
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
        return stored, None
    if hashlib.sha256(query.encode()).hexdigest() != digest:
        raise RequestError("provided sha does not match query", "BAD_REQUEST", 400, malformed=True)
    return query, digest
