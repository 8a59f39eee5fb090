"""The region layout: six regions in three groups, symmetric latencies, valid failover."""

from __future__ import annotations

import pytest

from regions import load_layout
from regions.layout import parse_layout


def test_six_regions_in_three_groups() -> None:
    layout = load_layout()
    assert sorted(layout.codes) == ["ams", "iad", "jnb", "sfo", "sin", "syd"]
    assert {g: sorted(r.code for r in layout.in_group(g)) for g in ("EMEA", "APAC", "Americas")} == {
        "EMEA": ["ams", "jnb"], "APAC": ["sin", "syd"], "Americas": ["iad", "sfo"],
    }
    assert layout.latency_ms("sin", "syd") == layout.latency_ms("syd", "sin") < layout.latency_ms("sin", "jnb")
    for region in layout.regions.values():
        assert region.failover and set(region.failover) <= set(layout.codes) - {region.code}
        # The first failover target is the other region of the same group.
        assert layout.regions[region.failover[0]].group == region.group


def test_bad_layouts_are_rejected() -> None:
    good = {"regions": {"a": {"name": "A", "group": "EMEA", "failover": ["b"]},
                        "b": {"name": "B", "group": "APAC", "failover": ["a"]}},
            "latency_ms": {"a": {"b": 10}}}
    assert parse_layout(good).latency_ms("a", "b") == 10
    with pytest.raises(ValueError, match="unknown group"):
        parse_layout({**good, "regions": {**good["regions"], "a": {"name": "A", "group": "MARS", "failover": ["b"]}}})
    with pytest.raises(ValueError, match="latency missing"):
        parse_layout({**good, "latency_ms": {}})
    with pytest.raises(ValueError, match="bad failover"):
        parse_layout({**good, "regions": {**good["regions"], "a": {"name": "A", "group": "EMEA", "failover": ["z"]}}})
