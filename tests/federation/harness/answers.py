"""Each gateway's answer to each case, asked once per session.

Conformance and differential tests look at the same answers (ours vs expected, Apollo vs expected,
ours vs Apollo); asking again would only repeat identical requests (every case starts from reset
subgraph state, so answers are deterministic)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from harness.client import post_case
from harness.processes import Server
from harness.scenarios import Case

_answers: dict[tuple[str, str], tuple[int, Any]] = {}


def answer(
    kind: str, case: Case, gateway_for: Callable[[str], Server], reset: Callable[[], None],
    http: httpx.Client,
) -> tuple[int, Any]:
    """(HTTP status, body) of `kind`'s gateway for `case`."""
    key = (kind, case.id)
    if key not in _answers:
        gateway = gateway_for(case.scenario)
        reset()
        _answers[key] = post_case(http, gateway, case)
    return _answers[key]
