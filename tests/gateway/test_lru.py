"""The gateway's one LRU (cachetools underneath): bounded by entries, and by size when sized."""

from __future__ import annotations

import pytest

from gateway.lru import LRU
from gateway.operation import DocumentCache, Limits


def test_entries_bound_evicts_the_least_recently_used() -> None:
    lru: LRU[str, int] = LRU(2)
    lru["a"], lru["b"] = 1, 2
    assert lru["a"] == 1  # "a" is now the most recent
    lru["c"] = 3
    assert "b" not in lru and lru.get("a") == 1 and lru.get("c") == 3


def test_size_bound_and_entries_bound_both_hold() -> None:
    lru: LRU[str, str] = LRU(3, 10, len)
    for key in "abcd":
        lru[key] = "xx"  # 2 each: the entry bound evicts first
    assert set(lru) == {"b", "c", "d"} and lru.currsize == 6
    lru["e"] = "x" * 9  # the size bound: b, c and d go (2 + 9 > 10)
    assert list(lru) == ["e"] and lru.currsize == 9
    lru["f"] = "x"  # fits beside e
    lru["e"] = "xx"  # replacing an entry replaces its size and makes it recent
    assert lru.currsize == 3
    lru["g"] = "x" * 8  # f, the least recent, makes room
    assert set(lru) == {"e", "g"} and lru.currsize == 10


def test_a_value_over_the_size_bound_is_refused_not_stored() -> None:
    lru: LRU[str, str] = LRU(3, 4, len)
    assert lru.fits("xxxx") and not lru.fits("xxxxx")
    with pytest.raises(ValueError):
        lru["k"] = "xxxxx"
    assert len(lru) == 0


def test_an_lru_of_no_entries_keeps_nothing_and_bad_bounds_are_refused() -> None:
    off: LRU[str, int] = LRU(0)  # e.g. --apq-max-entries 0: the cache is off, not an error
    off["a"] = 1
    assert len(off) == 0 and off.get("a") is None
    with pytest.raises(ValueError):
        LRU(-1)
    with pytest.raises(ValueError):
        LRU(2, 10)  # a size bound without a measure


def test_document_cache_hits_keep_documents_recent() -> None:
    from graphql import build_schema

    cache = DocumentCache(build_schema("type Query { a: Int }"), Limits(), size=2)
    first = cache.get("{ a }")
    cache.get("query B { a }")
    assert cache.get("{ a }") is first  # a hit: the same prepared document, now the most recent
    cache.get("query C { a }")
    assert len(cache) == 2 and cache.get("{ a }") is first
    assert cache.bytes == len("{ a }") + len("query C { a }")
