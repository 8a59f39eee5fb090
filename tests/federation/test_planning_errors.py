"""An operation the supergraph validates but no plan can serve: a planning error, answered as
`data: null` with one error, never a silently dropped field or a server error."""

from __future__ import annotations

import httpx
import pytest
from conftest import SubgraphServer
from harness.gateways import GatewayPool

SCENARIO = "interface_object_unresolvable"
# The same supergraph with media also serving a root list of Media. Composition refuses this set
# (SATISFIABILITY_ERROR: `stars` is only behind charts' `resolvable: false` key), so it is written
# here by hand: a gateway given such a supergraph must refuse the query, not answer without stars.
TOP_RATED = "  topRated: [Media!]! @join__field(graph: CHARTS)\n"
LIBRARY = "  library: [Media!]! @join__field(graph: MEDIA)\n"


@pytest.mark.scenario(SCENARIO)
def test_field_only_behind_non_resolvable_key_is_a_planning_error(
    subgraph_server: SubgraphServer, gateway_pool: GatewayPool, http: httpx.Client
) -> None:
    supergraph = subgraph_server.supergraph(SCENARIO)
    assert TOP_RATED in supergraph
    gateway = gateway_pool.get("ours", f"{SCENARIO}+library", supergraph.replace(TOP_RATED, TOP_RATED + LIBRARY))
    subgraph_server.reset()
    response = http.post(gateway.url + "/graphql", json={"query": "{ library { id stars } }"})
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_PLANNING_FAILED"]
    assert "stars" in body["errors"][0]["message"]
    assert subgraph_server.requests(SCENARIO) == [], "nothing is fetched for an operation that cannot be planned"
