"""What the subscription hub reports, as a small interface the HTTP layer turns into Prometheus
series, so the hub never imports the web layer."""

from __future__ import annotations

from typing import Protocol


class SubscriptionStats(Protocol):
    def open(self, streams: int, subscriptions: int) -> None:
        """Now open: shared upstream streams, and client operations subscribed to them."""

    def events(self, delivered: int, dropped: int) -> None:
        """One source event: how many clients it was handed to, and how many it was dropped for
        (a client too slow to keep up, or closing)."""


class NullSubscriptionStats:
    def open(self, streams: int, subscriptions: int) -> None:
        return None

    def events(self, delivered: int, dropped: int) -> None:
        return None
