"""Subgraph settings from the environment (and CLI flags, which override them).

DATABASE_URL                    the primary (writes); required
CHARTER_REPLICA_URL_<REGION>    that region's read replica, e.g. CHARTER_REPLICA_URL_SIN
CHARTER_REPLICA_URL             a replica for any region without its own
CHARTER_CONSISTENCY_WAIT_MS     how long a read with a consistency token waits for the replica (250)
CHARTER_REPLICA_MAX_LAG_MS      a replica further behind than this serves no reads (5000)
CHARTER_COVENANT_BUDGET_USD     the covenant's total budget, shared out by GDP (100 billion)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_BUDGET_USD = 100_000_000_000


@dataclass(frozen=True)
class Settings:
    region: str
    primary_url: str
    replica_url: str | None
    consistency_wait_ms: float = 250.0
    budget_usd: int = DEFAULT_BUDGET_USD
    max_replica_lag_ms: float = 5000.0


def from_env(region: str, primary_url: str | None = None, replica_url: str | None = None) -> Settings:
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
        max_replica_lag_ms=float(os.environ.get("CHARTER_REPLICA_MAX_LAG_MS", "5000")),
    )
