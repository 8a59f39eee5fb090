"""The one LRU of the gateway: cachetools' `LRUCache`, optionally bounded by total size as well.

cachetools bounds a cache by one measure (entries, or the sum of `getsizeof` over the values).
The caches that hold client-sent text (documents, APQ queries) must be bounded by both: many tiny
entries would otherwise cost memory in per-entry overhead, and a few huge ones in bytes. So the
size bound is cachetools' own and the entry bound is enforced after each insertion here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import Cache, LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(LRUCache[K, V]):
    """At most `entries` entries (0: none is kept) and, with `getsizeof`, at most `max_size` in
    total; the least recently used go first. A value larger than `max_size` raises ValueError
    (check `fits`)."""

    def __init__(
        self, entries: int, max_size: int | None = None, getsizeof: Callable[[V], int] | None = None
    ) -> None:
        if (max_size is None) != (getsizeof is None):
            raise ValueError("a size bound needs both max_size and getsizeof")
        if entries < 0:
            raise ValueError("an LRU cannot hold fewer than no entries")
        if getsizeof is None:
            super().__init__(entries)
        else:
            assert max_size is not None
            super().__init__(max_size, getsizeof)
        self.entries = entries

    def __setitem__(self, key: K, value: V) -> None:
        if not self.entries:
            return  # a cache of no entries (configured off) keeps nothing
        super().__setitem__(key, value)
        while len(self) > self.entries:
            self.popitem()

    def snapshot(self) -> list[tuple[K, V]]:
        """The entries, without making any of them recent (reports, persistence). Safe to call
        while another thread uses the cache: an entry evicted meanwhile is left out, and a
        concurrent insertion raises RuntimeError as a dict does (the caller retries)."""
        out = []
        for key in list(self):
            try:
                out.append((key, Cache.__getitem__(self, key)))  # the base lookup: no recency
            except KeyError:
                continue
        return out

    def fits(self, value: V) -> bool:
        """Whether a value can be stored at all (not larger than the size bound)."""
        return self.getsizeof(value) <= self.maxsize
