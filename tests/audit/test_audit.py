"""Every audit case through OUR gateway, judged as The Guild's audit judges it (see expectation.py).

A failing case is a gateway bug to fix, not a test to silence: none is skipped or marked xfail.
"""

from __future__ import annotations

import httpx
import pytest

from tests.audit.conftest import SuiteGateway, SuiteServer
from tests.audit.expectation import problems
from tests.audit.suites import AuditCase, all_cases

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_audit_case(
    case: AuditCase, audit_gateway_for: SuiteGateway, suite_server: SuiteServer, audit_http: httpx.Client
) -> None:
    gateway = audit_gateway_for(case.suite)
    suite_server.reset()
    response = audit_http.post(
        gateway.url + "/graphql",
        json=case.body(),
        headers={"accept": "application/graphql-response+json, application/json"},
    )
    try:
        body = response.json()
    except ValueError:
        body = {"$notJson": response.text[:500]}
    found = problems(case.expected, body)
    assert not found, f"{case.id} (HTTP {response.status_code}):\n" + "\n".join(found) + f"\n{body}"
