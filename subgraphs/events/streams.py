"""The four streams, created at start or brought to the configured settings (idempotent)."""

from __future__ import annotations

import asyncio
import logging
import time

from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError, ServiceUnavailableError

from subgraphs.events.config import StreamSettings

log = logging.getLogger("charter.events")


def stream_config(s: StreamSettings) -> StreamConfig:
    return StreamConfig(
        name=s.name,
        subjects=list(s.subjects),
        retention=RetentionPolicy(s.retention),
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=s.max_age_s,
        num_replicas=s.replicas,
        duplicate_window=s.duplicate_window_s,
    )


def _differs(current: StreamConfig, wanted: StreamConfig) -> bool:
    return (
        sorted(current.subjects or []) != sorted(wanted.subjects or [])
        or current.retention != wanted.retention
        or abs((current.max_age or 0) - (wanted.max_age or 0)) > 1e-3
        or (current.num_replicas or 1) != wanted.num_replicas
        or abs((current.duplicate_window or 0) - (wanted.duplicate_window or 0)) > 1e-3
    )


async def ensure_stream(js: JetStreamContext, settings: StreamSettings) -> str:
    """'created', 'updated' or 'unchanged'."""
    wanted = stream_config(settings)
    try:
        info = await js.stream_info(settings.name)
    except NotFoundError:
        await js.add_stream(wanted)
        return "created"
    if _differs(info.config, wanted):
        await js.update_stream(wanted)
        return "updated"
    return "unchanged"


async def ensure_streams(js: JetStreamContext, streams: tuple[StreamSettings, ...], within: float = 30.0) -> dict[str, str]:
    """Every stream as configured. A cluster that has just elected its metadata leader may still
    answer 503 for a moment: retried, bounded in time."""
    deadline = time.monotonic() + within
    outcome: dict[str, str] = {}
    for s in streams:
        while True:
            try:
                outcome[s.name] = await ensure_stream(js, s)
                break
            except (ServiceUnavailableError, NoRespondersError, TimeoutError) as exc:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"JetStream did not accept stream {s.name}: {exc}") from exc
                await asyncio.sleep(0.2)
    log.info("streams: %s", ", ".join(f"{k} {v}" for k, v in outcome.items()))
    return outcome
