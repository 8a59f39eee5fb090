"""What the caches report, as a small interface: the HTTP layer turns it into Prometheus series.

Kept apart from `gateway.http.metrics` so the caches (below the executor) never import the web layer.
"""

from __future__ import annotations

from typing import Protocol


class CacheStats(Protocol):
    def request(self, cache: str, result: str, n: int = 1) -> None:
        """`cache`: entity | plan | apq; `result`: hit | miss | error."""

    def evicted(self, reason: str, n: int) -> None: ...

    def roundtrip(self) -> None:
        """One command or pipeline sent to Redis."""

    def degraded(self, down: bool) -> None:
        """Redis became unusable (True) or usable again (False): one call per episode edge."""


class NullStats:
    def request(self, cache: str, result: str, n: int = 1) -> None:
        return None

    def evicted(self, reason: str, n: int) -> None:
        return None

    def roundtrip(self) -> None:
        return None

    def degraded(self, down: bool) -> None:
        return None
