"""Send a corpus case to a gateway the way a GraphQL-over-HTTP client would."""

from __future__ import annotations

from typing import Any

import httpx

from harness.processes import Server
from harness.scenarios import Case

GRAPHQL_PATH = "/graphql"


def post_case(client: httpx.Client, gateway: Server, case: Case) -> tuple[int, Any]:
    response = client.post(
        gateway.url + GRAPHQL_PATH,
        json=case.body(),
        headers={"accept": "application/graphql-response+json, application/json"},
    )
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"$notJson": response.text[:500]}
