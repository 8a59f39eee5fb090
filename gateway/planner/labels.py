"""Progressive override: which `@override(label:)` labels a request plans with."""

from __future__ import annotations

import random


def sample_labels(schema_labels: frozenset[str], always: frozenset[str]) -> frozenset[str]:
    """`always` (the labels the gateway enables) plus each of the schema's `percent(N)` labels,
    drawn with probability N% for this request. Other labels are only ever enabled by `always`."""
    if not schema_labels:
        return always
    active = set(always)
    for label in schema_labels:
        if label.startswith("percent(") and label.endswith(")"):
            try:
                if random.random() * 100 < float(label[8:-1]):
                    active.add(label)
            except ValueError:
                continue
    return frozenset(active)
