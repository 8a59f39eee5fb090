"""Typed view of `regions/regions.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

GROUPS = ("EMEA", "APAC", "Americas")
LAYOUT_FILE = Path(__file__).with_name("regions.yaml")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    group: str
    failover: tuple[str, ...]


@dataclass(frozen=True)
class RegionLayout:
    regions: dict[str, Region]
    latency: dict[frozenset[str], int]
    latency_source: str = ""  # where the round-trip times come from (a named public source)

    @property
    def codes(self) -> list[str]:
        return list(self.regions)

    def latency_ms(self, a: str, b: str) -> int:
        return 1 if a == b else self.latency[frozenset((a, b))]

    def in_group(self, group: str) -> list[Region]:
        return [r for r in self.regions.values() if r.group == group]


def parse_layout(doc: dict) -> RegionLayout:
    regions = {
        code: Region(code, spec["name"], spec["group"], tuple(spec["failover"]))
        for code, spec in doc["regions"].items()
    }
    for region in regions.values():
        if region.group not in GROUPS:
            raise ValueError(f"region {region.code}: unknown group {region.group!r}")
        unknown = set(region.failover) - set(regions)
        if unknown or region.code in region.failover:
            raise ValueError(f"region {region.code}: bad failover {region.failover}")
    latency = {
        frozenset((a, b)): int(ms) for a, row in doc["latency_ms"].items() for b, ms in row.items()
    }
    missing = [
        (a, b) for a in regions for b in regions if a < b and frozenset((a, b)) not in latency
    ]
    if missing:
        raise ValueError(f"latency missing for {missing}")
    return RegionLayout(regions, latency, str(doc.get("latency_source") or ""))


@cache
def load_layout(path: Path = LAYOUT_FILE) -> RegionLayout:
    return parse_layout(yaml.safe_load(path.read_text(encoding="utf-8")))
