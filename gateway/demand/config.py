"""Demand control settings."""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("enforce", "measure")


@dataclass(frozen=True)
class DemandConfig:
    max_cost: int = 0  # estimated cost above which an operation is refused; 0: no limit
    mode: str = "enforce"  # "measure": never refuse, only report estimated and actual cost
    list_size: int = 10  # size assumed for a list without @listSize (or slicing argument)

    @property
    def enabled(self) -> bool:
        return self.max_cost > 0 or self.mode == "measure"

    @property
    def measure_actual(self) -> bool:
        return self.mode == "measure"

    def over_budget(self, estimated: int) -> bool:
        return self.mode == "enforce" and 0 < self.max_cost < estimated
