"""Demand control covers subscriptions too: one over the cost budget is refused with the cost
error when it is prepared (found by the type checker: the hub read the plan of an operation that
demand control had refused before planning, and failed with an AttributeError; the planner's
front door then planned subscriptions with no budget at all)."""

from __future__ import annotations

import pytest

from gateway.composition import SubgraphInput, compose
from gateway.config import GatewayConfig
from gateway.demand.config import DemandConfig
from gateway.errors import COST_ESTIMATED_TOO_EXPENSIVE, RequestError
from gateway.pipeline import Gateway, GraphQLRequest
from gateway.state import build_state
from gateway.subscriptions.hub import SubscriptionHub

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { tick: Tick }
type Subscription { ticks: [Tick!]! }
type Tick @key(fields: "id") { id: ID! n: Int! history: [Tick!]! }
"""
CHEAP = "subscription { ticks { id } }"
DEAR = "subscription { ticks { id history { id history { id history { id } } } } }"


def _hub(max_cost: int) -> SubscriptionHub:
    result = compose([SubgraphInput("ticks", "http://127.0.0.1:9/graphql", SDL)])
    assert result.supergraph_sdl is not None, result.errors
    config = GatewayConfig(demand=DemandConfig(max_cost=max_cost))
    return SubscriptionHub(Gateway(build_state(result.supergraph_sdl), None, config))  # type: ignore[arg-type]  # no transport: nothing is fetched


@pytest.mark.parametrize("first", [CHEAP, DEAR])
def test_a_subscription_over_the_cost_budget_is_refused_with_the_cost_code(first: str) -> None:
    hub = _hub(max_cost=50)
    if first == CHEAP:
        hub.prepare(GraphQLRequest(CHEAP, None, None), {})  # within budget: planned
    with pytest.raises(RequestError) as refused:
        hub.prepare(GraphQLRequest(DEAR, None, None), {})
    assert refused.value.errors[0]["extensions"]["code"] == COST_ESTIMATED_TOO_EXPENSIVE
    assert refused.value.status == 400
