"""The covenant's money: each nation contributes its GDP share of the configured total budget."""

from __future__ import annotations


def contribution_usd(gdp_usd: int | None, total_gdp_usd: int, budget_usd: int) -> float | None:
    if gdp_usd is None or total_gdp_usd <= 0:
        return None
    return budget_usd * gdp_usd / total_gdp_usd
