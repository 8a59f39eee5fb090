"""Checks on project inputs; every violation is reported, nothing is written if any is found."""

from __future__ import annotations

import datetime as dt
import math

from regions import load_layout
from subgraphs.common.errors import InputErrors
from subgraphs.common.nation_codes import RULE, BadNationCode, parse_nation_code

MAX_BUDGET_USD = 1_000_000_000_000


def check_name(errors: InputErrors, name: str) -> None:
    if not name.strip():
        errors.add("name", "must not be blank")
    elif len(name) > 200:
        errors.add("name", "must be at most 200 characters")


def check_budget(errors: InputErrors, budget: float) -> None:
    if not math.isfinite(budget) or budget <= 0:
        errors.add("budgetUsd", "must be a positive number")
    elif budget > MAX_BUDGET_USD:
        errors.add("budgetUsd", f"must be at most {MAX_BUDGET_USD:.0f}")
    elif round(budget) < 1:  # stored in whole dollars: 0.4 would become a budget of 0
        errors.add("budgetUsd", "must be at least 1 (budgets are whole dollars)")


def check_status_progress(errors: InputErrors, status: str, progress: float) -> None:
    """A planned project has made no progress and a completed one all of it."""
    if status == "planned" and progress != 0.0:
        errors.add("progress", "must be 0 for a PLANNED project")
    elif status == "completed" and progress != 1.0:
        errors.add("progress", "must be 1 for a COMPLETED project")


def check_progress(errors: InputErrors, progress: float) -> None:
    if not math.isfinite(progress) or not 0.0 <= progress <= 1.0:
        errors.add("progress", "must be between 0 and 1")


def check_dates(errors: InputErrors, start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        errors.add("endDate", "must not be before startDate")
    if not dt.date(1990, 1, 1) <= start <= dt.date(2100, 1, 1):
        errors.add("startDate", "must be between 1990-01-01 and 2100-01-01")


def check_region(errors: InputErrors, region: str) -> None:
    codes = load_layout().codes
    if region not in codes:
        errors.add("homeRegion", f"must be one of {', '.join(codes)}")


def check_nation_code(errors: InputErrors, code: str) -> str | None:
    """The alpha-2 code `code` names (the one rule of `nation_codes`), or None after reporting it."""
    try:
        return parse_nation_code(code)
    except BadNationCode:
        errors.add("nationCode", RULE)
        return None
