"""A circuit breaker per endpoint: closed (traffic flows), open (no traffic), half-open (one trial).

closed --failure x threshold--> open --cooldown elapsed (and, with active checks, a probe
passed)--> half-open --the trial request succeeds (or, with active checks and no request in a
probe interval, the next probe passes)--> closed; a failed trial opens it again.

The breaker only keeps state; `Routes` turns state changes into the cached order the hot path reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class Breaker:
    __slots__ = (
        "_on_change", "cooldown", "failures", "last_reason", "opened_at", "passive_recovery", "state",
        "threshold", "trial_in_flight",
    )

    def __init__(self, threshold: int, cooldown: float, on_change: Callable[[], None]) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.state = State.CLOSED
        self.failures = 0  # consecutive
        self.opened_at = 0.0
        self.trial_in_flight = False
        self.last_reason = ""
        # True without active health checks: the cooldown alone lets a trial request through.
        self.passive_recovery = True
        self._on_change = on_change

    def success(self) -> None:
        self.failures = 0
        self.trial_in_flight = False
        if self.state is not State.CLOSED:
            self.state = State.CLOSED
            self._on_change()

    def failure(self, reason: str) -> bool:
        """Count a failure; True when it opened the circuit (just now)."""
        self.last_reason = reason
        self.failures += 1
        self.trial_in_flight = False
        if self.state is State.HALF_OPEN or (self.state is State.CLOSED and self.failures >= self.threshold):
            self.trip()
            return True
        if self.state is State.OPEN:
            self.opened_at = time.monotonic()  # still failing: the cooldown starts again
        return False

    def trip(self) -> None:
        self.state = State.OPEN
        self.opened_at = time.monotonic()
        self.trial_in_flight = False
        self._on_change()

    def cooled_down(self, now: float) -> bool:
        return self.state is State.OPEN and now - self.opened_at >= self.cooldown

    def half_open(self) -> None:
        if self.state is State.OPEN:
            self.state = State.HALF_OPEN
            self.trial_in_flight = False
            self._on_change()

    def admit(self) -> bool:
        """May a request go to this endpoint now? In half-open only one trial is in flight at a time."""
        if self.state is State.CLOSED:
            return True
        if self.state is State.HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False
