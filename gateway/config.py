"""Typed gateway settings (from the command line or environment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.auth.config import AuthConfig
from gateway.demand.config import DemandConfig
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
    body_timeout: float = 10.0  # seconds a client has to send its whole request body
    max_subgraph_response_bytes: int = 64 * 1024 * 1024  # after decompression
    plan_cache_size: int = 2048
    watch: bool = True  # reload the supergraph file when it changes
    graphiql: bool = True
    routing: str = ""  # a file of ordered endpoints per subgraph (local first, then failover order)
    failover_cooldown: float = 5.0  # seconds an open circuit stays open before a trial request
    breaker_threshold: int = 1  # consecutive failures that open an endpoint's circuit
    connect_timeout: float = 0.5  # seconds to connect to a routed endpoint before moving on
    first_byte_timeout: float = 1.0  # seconds a query waits for a routed endpoint's answer to start
    health_interval: float = 1.0  # seconds between active health checks of routed endpoints (0: none)
    health_timeout: float = 1.0  # seconds a health probe may take
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
    auth: AuthConfig = field(default_factory=AuthConfig)  # JWT authentication (off without a JWKS)
    introspection: bool = True
    csrf_prevention: bool = False  # GET needs a non-simple content type or a preflight header
    csrf_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")
    redact_subgraph_errors: bool = False  # subgraph messages replaced (codes and paths kept)
    operator_host: str = "127.0.0.1"
    operator_port: int = 0  # serve /health and /metrics there (and not on the GraphQL port); 0: same port
    demand: DemandConfig = field(default_factory=DemandConfig)  # cost limits (off by default)
    # Subscriptions: NATS for event-driven fields (@natsSubscribe's default provider), and the
    # WebSocket protocol's limits.
    nats_url: str = ""
    ws_init_timeout: float = 10.0
    max_subscriptions_per_connection: int = 100
    max_connections_per_client: int = 1000
    subscription_buffer: int = 256  # messages queued per client before it is closed as too slow
    ws_require_authorization: bool = False  # refuse (4403) a connection_init without authorization
