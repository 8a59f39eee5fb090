"""The six platform regions, their groups, latencies and failover order (data in regions.yaml)."""

from regions.layout import GROUPS, Region, RegionLayout, load_layout

__all__ = ["GROUPS", "Region", "RegionLayout", "load_layout"]
