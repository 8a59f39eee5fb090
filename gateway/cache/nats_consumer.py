"""The gateway's JetStream consumer for invalidation events (`--invalidate-from nats://...`).

One durable push consumer with a queue group, shared by every gateway instance that shares the
Redis: each event is processed once (the cache is shared, so once is enough), acknowledged only
after its eviction succeeded, and redelivered otherwise (evictions are idempotent). The stream is
the publisher's: the consumer looks it up by subject, waiting until it exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson

from gateway.cache.invalidation import EventInvalidator
from gateway.transport.meta import lsn_value

log = logging.getLogger("charter.gateway.cache.events")

DURABLE = "charter-gateway-cache"
POSITION_HEADER = "Charter-Wal-Position"


class InvalidationConsumer:
    def __init__(
        self, url: str, invalidator: EventInvalidator, subjects: tuple[str, ...] = ("covenant.>",),
        durable: str = DURABLE,
    ) -> None:
        self.url = url
        self.invalidator = invalidator
        self.subjects = subjects
        self.durable = durable
        self.processed = 0
        self._nc: Any = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set once subscribed

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        self._nc = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
        js = self._nc.jetstream()
        for subject in self.subjects:
            stream = await self._stream_for(js, subject)
            config = ConsumerConfig(
                durable_name=f"{self.durable}-{_slug(subject)}",
                deliver_group=f"{self.durable}-{_slug(subject)}",
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.NEW,
                ack_wait=5,
                filter_subject=subject,
            )
            await js.subscribe(
                subject, queue=config.deliver_group, durable=config.durable_name, stream=stream,
                config=config, cb=self._handle, manual_ack=True,
            )
            log.info("evicting cache entries from %s events (stream %s)", subject, stream)
        self.ready.set()

    async def _stream_for(self, js: Any, subject: str) -> str:
        from nats.js.errors import NotFoundError

        waited = False
        while True:
            try:
                return str(await js.find_stream_name_by_subject(subject))
            except NotFoundError:
                if not waited:
                    log.warning("no JetStream stream holds %s yet; waiting for its publisher to create one", subject)
                    waited = True
                await asyncio.sleep(1.0)  # no notification exists for stream creation

    async def _handle(self, msg: Any) -> None:
        try:
            payload = orjson.loads(msg.data)
        except orjson.JSONDecodeError:
            log.warning("event on %s is not JSON; dropped", msg.subject)
            await msg.term()
            return
        if not isinstance(payload, dict):
            await msg.term()
            return
        # The publisher's WAL position at or past the write (our relay sends it; optional): fills
        # that read before it are refused, so the eviction cannot be undone by a slow read.
        raw = (msg.headers or {}).get(POSITION_HEADER)
        evicted = await self.invalidator.on_event(msg.subject, payload, lsn_value(raw) if raw else None)
        if evicted is None:
            await msg.nak(delay=0.5)  # Redis unusable: try again (TTLs bound staleness meanwhile)
            return
        await msg.ack()
        self.processed += 1

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()


def _slug(subject: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in subject).strip("_") or "all"
