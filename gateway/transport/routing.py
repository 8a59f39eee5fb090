"""Where each subgraph is served: an ordered list of endpoints, the local instance first and then
the failover order (the nearest healthy region next).

An endpoint that refuses connections, times out or answers 5xx is skipped for `cooldown` seconds;
when every endpoint of a subgraph is marked down they are all tried again in order, so a region
that comes back is used again without a restart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger("charter.gateway.routing")


@dataclass
class Endpoint:
    url: str
    down_until: float = 0.0

    def healthy(self, now: float) -> bool:
        return self.down_until <= now


class Routes:
    def __init__(self, table: dict[str, list[str]] | None = None, cooldown: float = 5.0) -> None:
        self.cooldown = cooldown
        self._table = {name: [Endpoint(u) for u in urls] for name, urls in (table or {}).items() if urls}
        self._single: dict[str, list[Endpoint]] = {}

    def __bool__(self) -> bool:
        return bool(self._table)

    def endpoints(self, service: str, default_url: str) -> list[Endpoint]:
        """Endpoints to try in order: healthy ones first (in failover order), then the rest."""
        endpoints = self._table.get(service)
        if endpoints is None:
            single = self._single.get(default_url)
            if single is None:
                single = self._single[default_url] = [Endpoint(default_url)]
            return single
        now = time.monotonic()
        healthy = [e for e in endpoints if e.healthy(now)]
        if len(healthy) == len(endpoints):
            return endpoints
        return healthy + [e for e in endpoints if not e.healthy(now)]

    def mark_down(self, service: str, endpoint: Endpoint, reason: str) -> None:
        if endpoint.healthy(time.monotonic()):
            log.warning("subgraph %s at %s marked down for %gs: %s", service, endpoint.url, self.cooldown, reason)
        endpoint.down_until = time.monotonic() + self.cooldown

    def mark_up(self, endpoint: Endpoint) -> None:
        endpoint.down_until = 0.0


def load_routes(path: str | Path, cooldown: float = 5.0) -> Routes:
    """A routing file: `subgraphs: {name: [url, fallback url, ...]}` (YAML or JSON)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    table = data.get("subgraphs", data)
    if not isinstance(table, dict) or not all(
        isinstance(v, list) and all(isinstance(u, str) for u in v) for v in table.values()
    ):
        raise ValueError(f"{path}: expected `subgraphs: {{name: [url, ...]}}`")
    return Routes({str(k): list(v) for k, v in table.items()}, cooldown)
