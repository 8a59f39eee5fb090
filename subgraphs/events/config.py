"""Event settings from the environment.

CHARTER_NATS_URL                      NATS server(s), comma-separated (nats://127.0.0.1:4222)
CHARTER_STREAM_RETENTION              limits | interest | workqueue (limits)
CHARTER_STREAM_MAX_AGE_S              how long a stream keeps a message (604800, 7 days)
CHARTER_STREAM_REPLICAS               copies of each stream in a cluster (1; `charter up --nats-cluster`: 3)
CHARTER_STREAM_DUPLICATE_WINDOW_S     JetStream drops a Nats-Msg-Id seen this recently (600)
CHARTER_STREAM_<NAME>_<SETTING>       one stream's own value, e.g. CHARTER_STREAM_AUDIT_MAX_AGE_S
CHARTER_RELAY_POLL_S                  the relay's safety poll when no NOTIFY arrives (5)
CHARTER_RELAY_BATCH                   outbox rows per relay transaction (500)
CHARTER_OUTBOX_KEEP_S                 sent outbox rows are deleted after this long (86400)

The duplicate window is the relay's guarantee against its own retries (a publish whose ack was
lost, a relay killed before it marked a row sent); consumers also dedupe by event id, so a retry
later than the window is still applied once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from subgraphs.events.contract import STREAM_SUBJECTS

RETENTIONS = ("limits", "interest", "workqueue")


@dataclass(frozen=True)
class StreamSettings:
    name: str
    subjects: tuple[str, ...]
    retention: str = "limits"
    max_age_s: float = 7 * 24 * 3600
    replicas: int = 1
    duplicate_window_s: float = 600.0

    def __post_init__(self) -> None:
        if self.retention not in RETENTIONS:
            raise ValueError(f"stream {self.name}: retention must be one of {', '.join(RETENTIONS)}")
        if self.replicas not in (1, 2, 3, 4, 5):
            raise ValueError(f"stream {self.name}: replicas must be 1..5")
        if self.duplicate_window_s <= 0 or self.max_age_s <= 0:
            raise ValueError(f"stream {self.name}: max age and duplicate window must be positive")
        if self.duplicate_window_s > self.max_age_s:
            raise ValueError(f"stream {self.name}: the duplicate window cannot exceed the max age")


@dataclass(frozen=True)
class EventSettings:
    nats_urls: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    streams: tuple[StreamSettings, ...] = field(
        default_factory=lambda: tuple(StreamSettings(n, (s,)) for n, s in STREAM_SUBJECTS.items())
    )
    relay_poll_s: float = 5.0
    relay_batch: int = 500
    outbox_keep_s: float = 86400.0


def _value(env: Mapping[str, str], stream: str, setting: str, default: str) -> str:
    return env.get(f"CHARTER_STREAM_{stream}_{setting}") or env.get(f"CHARTER_STREAM_{setting}") or default


def streams_from_env(env: Mapping[str, str], replicas: int | None = None) -> tuple[StreamSettings, ...]:
    out = []
    for name, subject in STREAM_SUBJECTS.items():
        out.append(
            StreamSettings(
                name=name,
                subjects=(subject,),
                retention=_value(env, name, "RETENTION", "limits").lower(),
                max_age_s=float(_value(env, name, "MAX_AGE_S", str(7 * 24 * 3600))),
                replicas=replicas if replicas is not None else int(_value(env, name, "REPLICAS", "1")),
                duplicate_window_s=float(_value(env, name, "DUPLICATE_WINDOW_S", "600")),
            )
        )
    return tuple(out)


def from_env(env: Mapping[str, str] | None = None, nats_url: str | None = None) -> EventSettings:
    env = os.environ if env is None else env
    urls = nats_url or env.get("CHARTER_NATS_URL") or "nats://127.0.0.1:4222"
    return EventSettings(
        nats_urls=tuple(u.strip() for u in urls.split(",") if u.strip()),
        streams=streams_from_env(env),
        relay_poll_s=float(env.get("CHARTER_RELAY_POLL_S", "5")),
        relay_batch=int(env.get("CHARTER_RELAY_BATCH", "500")),
        outbox_keep_s=float(env.get("CHARTER_OUTBOX_KEEP_S", "86400")),
    )
