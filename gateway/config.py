"""Typed gateway settings (from the command line or environment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.operation import Limits

# Client headers forwarded to every subgraph by default. They change answers (auth, read-your-
# writes tokens), so they are also part of the inbound deduplication key.
DEFAULT_FORWARDED_HEADERS = ("authorization", "x-charter-consistency", "x-request-id", "x-region")


@dataclass(frozen=True)
class GatewayConfig:
    supergraph: str = ""  # a supergraph file or URL ...
    subgraphs: str = ""  # ... or a Rover supergraph.yaml to compose from (and poll)
    poll_interval: float = 10.0  # seconds between recompositions with `subgraphs`
    host: str = "127.0.0.1"
    port: int = 4000
    dedupe: bool = True  # inbound dedup: identical in-flight client queries share one execution
    subgraph_dedupe: bool = True  # identical in-flight subgraph query fetches share one request
    subgraph_timeout: float = 30.0
    forward_headers: tuple[str, ...] = DEFAULT_FORWARDED_HEADERS
    limits: Limits = field(default_factory=Limits)
    max_body_bytes: int = 2 * 1024 * 1024
    plan_cache_size: int = 2048
    watch: bool = True  # reload the supergraph file when it changes
    graphiql: bool = True
    routing: str = ""  # a file of ordered endpoints per subgraph (local first, then failover order)
    failover_cooldown: float = 5.0  # seconds an endpoint that failed is skipped
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the gateway ("*" for any)
    redis_url: str = ""  # shared store for persisted queries; in-process only when empty
    persisted_queries: bool = True
    apq_max_entries: int = 10_000  # in-process APQ entries ...
    apq_max_bytes: int = 32 * 1024 * 1024  # ... and their total size
    apq_max_document_bytes: int = 64 * 1024  # a larger document runs but is never stored
    trusted_documents: str = ""  # a manifest: only its operations run (production)
    entity_cache: bool = False  # cache _entities answers and hinted root fields in Redis (needs redis_url)
    entity_cache_config: str = ""  # YAML: TTLs, dependents, event rules (gateway.cache.config)
    redis_timeout: float = 0.1  # seconds per Redis call before it counts as a miss
    invalidate_from: str = ""  # nats:// URL: evict entries from JetStream events
    # Progressive override labels switched on for every request (others only via percent(N)).
    override_labels: tuple[str, ...] = ()
