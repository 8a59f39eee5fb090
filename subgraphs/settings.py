"""Subgraph settings from the environment (and CLI flags, which override them).

DATABASE_URL                    the primary (writes); required
CHARTER_REPLICA_URL_<REGION>    that region's read replica, e.g. CHARTER_REPLICA_URL_SIN
CHARTER_REPLICA_URL             a replica for any region without its own
CHARTER_CONSISTENCY_WAIT_MS     how long a read with a consistency token waits for the replica (250)
CHARTER_REPLICA_MAX_LAG_MS      a replica further behind than this serves no reads (5000)
CHARTER_COVENANT_BUDGET_USD     the covenant's total budget, shared out by GDP (100 billion)
CHARTER_METRICS_STORE           where the metrics subgraph keeps time series: postgres (default) or cassandra
CASSANDRA_CONTACT_POINTS        Cassandra nodes, host or host:port, comma-separated (the cassandra store)
CASSANDRA_PORT                  their CQL port when not given per host (9042)
CASSANDRA_LOCAL_DC              the data centre this region reads from (default: its group: emea, apac, americas)
CHARTER_CASSANDRA_REPLICATION   replicas per data centre, e.g. emea:1,apac:1,americas:1 (default 1 in each)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

DEFAULT_BUDGET_USD = 100_000_000_000
METRICS_STORES = ("postgres", "cassandra")
DEFAULT_REPLICATION = (("emea", 1), ("apac", 1), ("americas", 1))


@dataclass(frozen=True)
class Settings:
    region: str
    primary_url: str
    replica_url: str | None
    consistency_wait_ms: float = 250.0
    budget_usd: int = DEFAULT_BUDGET_USD
    metrics_store: str = "postgres"
    cassandra_contact_points: tuple[str, ...] = ()
    cassandra_port: int = 9042
    cassandra_local_dc: str | None = None  # None: the region's group, lower-cased
    cassandra_replication: tuple[tuple[str, int], ...] = DEFAULT_REPLICATION
    cassandra_drain_interval_s: float = 5.0  # how often leftover outbox rows are retried (0: never)
    max_replica_lag_ms: float = 5000.0


def group_dc(region: str) -> str:
    """The Cassandra data centre of a region: its group's name (regions/regions.yaml), lower-cased."""
    from regions import load_layout

    return load_layout().regions[region].group.lower()


def parse_replication(text: str) -> tuple[tuple[str, int], ...]:
    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        dc, _, count = part.partition(":")
        if not dc or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"CHARTER_CASSANDRA_REPLICATION: bad entry {part!r} (want dc:replicas)")
        pairs.append((dc, int(count)))
    return tuple(pairs)


def from_env(
    region: str, primary_url: str | None = None, replica_url: str | None = None, metrics_store: str | None = None
) -> Settings:
    primary = primary_url or os.environ.get("DATABASE_URL")
    if not primary:
        raise SystemExit("DATABASE_URL is not set (or pass --database-url); `charter up` sets it for you")
    replica = (
        replica_url
        or os.environ.get(f"CHARTER_REPLICA_URL_{region.upper()}")
        or os.environ.get("CHARTER_REPLICA_URL")
    )
    return Settings(
        region=region,
        primary_url=primary,
        replica_url=replica,
        consistency_wait_ms=float(os.environ.get("CHARTER_CONSISTENCY_WAIT_MS", "250")),
        budget_usd=int(float(os.environ.get("CHARTER_COVENANT_BUDGET_USD", DEFAULT_BUDGET_USD))),
        **cassandra_from_env(metrics_store),
        max_replica_lag_ms=float(os.environ.get("CHARTER_REPLICA_MAX_LAG_MS", "5000")),
    )


def cassandra_from_env(metrics_store: str | None = None) -> dict[str, Any]:
    store = metrics_store or os.environ.get("CHARTER_METRICS_STORE") or "postgres"
    if store not in METRICS_STORES:
        raise SystemExit(f"unknown metrics store {store!r}; one of {', '.join(METRICS_STORES)}")
    points = tuple(p.strip() for p in os.environ.get("CASSANDRA_CONTACT_POINTS", "").split(",") if p.strip())
    if store == "cassandra" and not points:
        raise SystemExit("the cassandra metrics store needs CASSANDRA_CONTACT_POINTS (`charter up --cassandra` sets it)")
    replication = os.environ.get("CHARTER_CASSANDRA_REPLICATION")
    return {
        "metrics_store": store,
        "cassandra_contact_points": points,
        "cassandra_port": int(os.environ.get("CASSANDRA_PORT", "9042")),
        "cassandra_local_dc": os.environ.get("CASSANDRA_LOCAL_DC") or None,
        "cassandra_replication": parse_replication(replication) if replication else DEFAULT_REPLICATION,
    }
