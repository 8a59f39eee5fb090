"""Verification keys from JWKS documents (files or URLs), cached, refreshed and looked up by `kid`.

A JWKS is trusted for `refresh` seconds, then read again (a file only when it changed). A token
whose `kid` is unknown triggers an early re-read (of a URL at most every `_MIN_REREAD` seconds), so
a key rotated in at the issuer is picked up at once without letting junk `kid`s hammer the source.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from gateway.auth.config import ALGORITHMS

log = logging.getLogger("charter.gateway.auth")

_MIN_REREAD = 10.0
_MAX_JWKS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Key:
    kid: str | None
    algorithm: str
    key: Any  # what PyJWT verifies with


def parse_jwks(raw: bytes | str, source: str) -> list[Key]:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise ValueError(f"{source}: not JSON ({e})") from e
    entries = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{source}: not a JWKS (no `keys` list)")
    keys = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = PyJWK(entry)
        except PyJWKError as e:
            log.warning("%s: key %s skipped: %s", source, entry.get("kid"), e)
            continue
        if jwk.algorithm_name not in ALGORITHMS:
            log.warning("%s: key %s skipped: algorithm %s", source, entry.get("kid"), jwk.algorithm_name)
            continue
        keys.append(Key(entry.get("kid"), jwk.algorithm_name, jwk.key))
    return keys


class KeySource:
    """One JWKS file or URL."""

    def __init__(self, location: str, refresh: float) -> None:
        self.location = location
        self.refresh = refresh
        self.is_url = location.startswith(("http://", "https://"))
        self.keys: list[Key] = []
        self.loaded_at = -1e18
        self.last_attempt = -1e18
        self._mtime: float | None = None
        self._lock = asyncio.Lock()

    def load_file(self) -> None:
        mtime = os.stat(self.location).st_mtime
        if mtime != self._mtime:
            with open(self.location, "rb") as f:
                self.keys = parse_jwks(f.read(_MAX_JWKS_BYTES + 1)[:_MAX_JWKS_BYTES], self.location)
            self._mtime = mtime
        self.loaded_at = time.monotonic()

    async def _fetch(self) -> None:
        timeout = aiohttp.ClientTimeout(total=5)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(self.location, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise ValueError(f"{self.location}: HTTP {response.status}")
            raw = await response.content.read(_MAX_JWKS_BYTES + 1)
            if len(raw) > _MAX_JWKS_BYTES:
                raise ValueError(f"{self.location}: JWKS larger than {_MAX_JWKS_BYTES} bytes")
        self.keys = parse_jwks(raw, self.location)
        self.loaded_at = time.monotonic()

    def stale(self, now: float) -> bool:
        return now - self.loaded_at > self.refresh

    async def reload(self, force: bool = False) -> None:
        """Re-read (when stale, or `force`d by an unknown kid, rate-limited); keeps the old keys
        when the source fails, so an issuer outage does not log everyone out."""
        async with self._lock:
            now = time.monotonic()
            if not force and not self.stale(now):
                return
            # A file costs a stat to check; a URL is rate-limited (junk kids must not hammer it).
            if self.is_url and now - self.last_attempt < _MIN_REREAD and self.keys:
                return
            self.last_attempt = now
            try:
                if self.is_url:
                    await self._fetch()
                else:
                    self.load_file()
            except (TimeoutError, OSError, ValueError, aiohttp.ClientError) as e:
                log.warning("JWKS %s not refreshed: %s", self.location, e)


class KeySet:
    def __init__(self, locations: tuple[str, ...], refresh: float) -> None:
        self.sources = [KeySource(loc, refresh) for loc in locations]
        for s in self.sources:
            if not s.is_url:
                s.load_file()  # a missing or broken key file fails at start, not per request

    async def start(self) -> None:
        await asyncio.gather(*(s.reload(force=True) for s in self.sources if s.is_url))

    def _match(self, kid: str | None, algorithm: str) -> list[Key]:
        found = []
        for s in self.sources:
            for k in s.keys:
                if k.algorithm == algorithm and (kid is None or k.kid == kid):
                    found.append(k)
        return found

    async def find(self, kid: str | None, algorithm: str) -> list[Key]:
        now = time.monotonic()
        stale = [s.reload() for s in self.sources if s.stale(now)]
        if stale:
            await asyncio.gather(*stale)
        keys = self._match(kid, algorithm)
        if not keys and kid is not None:
            await asyncio.gather(*(s.reload(force=True) for s in self.sources))
            keys = self._match(kid, algorithm)
        return keys
