"""Latency per operation name, with a cap on how many names get their own series.

The first `cap` distinct names seen keep their own label; any later name is counted under
"other", so a client inventing names cannot grow the series without bound (per process: with
`--workers N` the union is at most N x cap). Requests that never selected an operation (refused
or invalid before that) are labelled "none", anonymous operations "anonymous".
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Histogram

OTHER = "other"
NONE = "none"
ANONYMOUS = "anonymous"
DEFAULT_CAP = 100


class OperationLabels:
    def __init__(self, histogram: Histogram, cap: int = DEFAULT_CAP) -> None:
        self.histogram = histogram
        self.cap = cap
        self.none = histogram.labels(NONE)
        self.other = histogram.labels(OTHER)
        self.anonymous = histogram.labels(ANONYMOUS)
        self._children: dict[str, Any] = {}  # operation name -> its bound histogram child

    def child(self, name: str | None) -> Any:
        """The histogram child for an operation that ran under `name` (None: anonymous)."""
        if name is None:
            return self.anonymous
        child = self._children.get(name)
        if child is not None:
            return child
        if len(self._children) >= self.cap:
            return self.other
        child = self._children[name] = self.histogram.labels(name)
        return child
