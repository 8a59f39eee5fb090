"""Every corpus case through OUR gateway, compared with the expected answer written from the spec.

These fail until the gateway implements the feature each case exercises: that is their purpose.
"""

from __future__ import annotations

import httpx
import pytest
from conftest import GatewayFor, SubgraphServer
from harness.answers import answer
from harness.matcher import mismatches
from harness.scenarios import Case, all_cases

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(
    case: Case, gateway_for: GatewayFor, subgraph_server: SubgraphServer, http: httpx.Client
) -> None:
    status, body = answer("ours", case, gateway_for, subgraph_server.reset, http)
    problems = mismatches(case.expected, body)
    if status >= 500:
        problems.append(f"HTTP {status}: a bad query or a failing subgraph is never a server error")
    assert not problems, f"{case.id} (HTTP {status}):\n" + "\n".join(problems) + f"\n{body}"
