"""What the gateway asks the subgraphs, asserted from the requests the subgraph server recorded.

Each assertion is checked against @apollo/gateway too (when node is present): that proves the
assertion is achievable and right, not a wish.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import GatewayFor, SubgraphServer
from harness.client import post_case
from harness.gateways import node_available
from harness.matcher import mismatches
from harness.scenarios import cases

KINDS = [
    "ours",
    pytest.param("apollo", marks=[
        pytest.mark.node,
        pytest.mark.skipif(not node_available(), reason="node or tools/node/node_modules is missing"),
    ]),
]


class Run:
    """One corpus case sent through one gateway, and the subgraph requests it caused."""

    def __init__(self, kind: str, body: Any, requests: list[dict[str, Any]]) -> None:
        self.kind = kind
        self.body = body
        self.requests = requests

    def to(self, subgraph: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["subgraph"] == subgraph]

    def representations(self, subgraph: str) -> list[list[dict[str, Any]]]:
        """The representations of each _entities request to `subgraph`, request by request."""
        return [
            (r["variables"] or {}).get("representations", [])
            for r in self.to(subgraph)
            if "_entities" in (r["query"] or "")
        ]


@pytest.fixture(params=KINDS)
def run_case(request: pytest.FixtureRequest, subgraph_server: SubgraphServer, http: httpx.Client) -> Any:
    kind: str = request.param
    gateway_for: GatewayFor = request.getfixturevalue(
        "gateway_for" if kind == "ours" else "apollo_gateway_for"
    )

    def run(case_id: str) -> Run:
        scenario, name = case_id.split("/")
        case = next(c for c in cases(scenario) if c.name == name)
        gateway = gateway_for(scenario)
        subgraph_server.reset()
        _status, body = post_case(http, gateway, case)
        assert not mismatches(case.expected, body), body
        return Run(kind, body, subgraph_server.requests(scenario))

    run.kind = kind  # type: ignore[attr-defined]
    return run


def apollo_sends_duplicates(run_case: Any, request: pytest.FixtureRequest) -> None:
    """Deduplicating representations is required of our gateway; @apollo/gateway does not do it."""
    if run_case.kind == "apollo":
        request.applymarker(pytest.mark.xfail(strict=True, reason="@apollo/gateway sends duplicate representations"))


@pytest.mark.scenario("provides_basic")
def test_provides_avoids_entity_fetch(run_case: Any) -> None:
    run = run_case("provides_basic/provided_only")
    assert [r["subgraph"] for r in run.requests] == ["reviews"]


@pytest.mark.scenario("provides_abstract")
def test_provides_on_interface_avoids_entity_fetch(run_case: Any) -> None:
    run = run_case("provides_abstract/interface_provided")
    assert [r["subgraph"] for r in run.requests] == ["feed"]


@pytest.mark.scenario("provides_abstract")
def test_provides_on_union_fetches_only_unprovided_members(run_case: Any) -> None:
    run = run_case("provides_abstract/union_partly_provided")
    assert run.representations("content") == [[{"__typename": "Video", "id": "v2"}]]


@pytest.mark.scenario("shareable_root")
def test_shareable_root_field_from_one_subgraph(run_case: Any) -> None:
    assert [r["subgraph"] for r in run_case("shareable_root/from_catalog_only").requests] == ["catalog"]
    assert [r["subgraph"] for r in run_case("shareable_root/from_opening_only").requests] == ["opening"]


@pytest.mark.scenario("shareable_local")
def test_shareable_field_taken_from_subgraph_being_queried(run_case: Any) -> None:
    run = run_case("shareable_local/local_shareable_field")
    assert [r["subgraph"] for r in run.requests] == ["reviews"]


@pytest.mark.scenario("compound_key")
def test_key_fields_only_need_no_fetch(run_case: Any) -> None:
    assert [r["subgraph"] for r in run_case("compound_key/key_fields_only_no_fetch").requests] == ["orders"]


@pytest.mark.scenario("basics")
def test_skipped_selection_needs_no_fetch(run_case: Any) -> None:
    assert [r["subgraph"] for r in run_case("basics/skip_whole_entity_fetch").requests] == ["products"]


def _ids(reps: list[dict[str, Any]], key: str = "id") -> list[Any]:
    return [r[key] for r in reps]


@pytest.mark.scenario("dedup_levels")
def test_one_entities_request_per_level_deduplicated(run_case: Any, request: pytest.FixtureRequest) -> None:
    apollo_sends_duplicates(run_case, request)
    run = run_case("dedup_levels/three_levels")
    assert len(run.to("orders")) == 1
    (users,) = run.representations("users")
    assert sorted(_ids(users)) == ["u1", "u2"]
    (companies,) = run.representations("companies")
    assert companies == [{"__typename": "Company", "id": "c1"}]


@pytest.mark.scenario("dedup_levels")
def test_nested_list_references_deduplicated(run_case: Any, request: pytest.FixtureRequest) -> None:
    apollo_sends_duplicates(run_case, request)
    run = run_case("dedup_levels/nested_lists")
    (products,) = run.representations("companies")
    assert sorted(_ids(products, "upc")) == ["A", "B"]


@pytest.mark.scenario("compound_key")
def test_compound_keys_deduplicated_as_whole_keys(run_case: Any, request: pytest.FixtureRequest) -> None:
    apollo_sends_duplicates(run_case, request)
    run = run_case("compound_key/compound_key_join")
    (reps,) = run.representations("pricing")
    assert sorted((r["sku"], r["region"]) for r in reps) == [("ink", "eu"), ("pen", "eu"), ("pen", "us")]


@pytest.mark.scenario("requires_basic")
def test_requires_representations_carry_typename_and_requirements(run_case: Any) -> None:
    run = run_case("requires_basic/requires_hidden_fields")
    (reps,) = run.representations("shipping")
    assert reps == [
        {"__typename": "Product", "id": "p1", "weight": 10, "size": 3},
        {"__typename": "Product", "id": "p2", "weight": 2, "size": 1},
        {"__typename": "Product", "id": "p3", "weight": 5, "size": 2},
    ]


@pytest.mark.scenario("parallel_roots")
def test_root_fetches_of_different_subgraphs_run_in_parallel(run_case: Any) -> None:
    run = run_case("parallel_roots/three_subgraphs")
    assert sorted(r["subgraph"] for r in run.requests) == ["news", "stocks", "weather"]
    # Each subgraph pauses 0.6 s: concurrent fetches all start before the first one finishes.
    assert max(r["started"] for r in run.requests) < min(r["finished"] for r in run.requests)


@pytest.mark.scenario("parallel_roots")
def test_root_fields_of_one_subgraph_share_a_fetch(run_case: Any) -> None:
    run = run_case("parallel_roots/same_subgraph_aliases")
    assert [r["subgraph"] for r in run.requests] == ["weather"]


@pytest.mark.scenario("mutations")
def test_mutations_run_serially_each_with_its_entity_fetch(run_case: Any) -> None:
    run = run_case("mutations/serial_order_with_entity_fetches")
    steps = [(r["subgraph"], "_entities" in r["query"]) for r in run.requests]
    assert steps == [
        ("inventory", False),
        ("ledger", True),
        ("ledger", False),
        ("inventory", False),
        ("ledger", True),
    ]
    for before, after in zip(run.requests, run.requests[1:], strict=False):
        assert before["finished"] <= after["started"], "a mutation step overlapped the previous one"


@pytest.mark.scenario("parallel_roots")
def test_entity_fetches_of_one_level_run_in_parallel(run_case: Any) -> None:
    run = run_case("parallel_roots/parallel_entity_fetches")
    entity_fetches = run.to("weather") + run.to("stocks")
    assert len(run.to("news")) == 1 and len(entity_fetches) == 2
    # Both only need the story's id from news: neither waits for the other.
    assert max(r["started"] for r in entity_fetches) < min(r["finished"] for r in entity_fetches)


@pytest.mark.scenario("union_in_entity")
def test_entity_fetch_under_union_carries_only_that_member(run_case: Any) -> None:
    run = run_case("union_in_entity/union_members_from_two_places")
    (books,) = run.representations("library")
    assert {r["__typename"] for r in books} == {"Book"}
    assert set(_ids(books, "isbn")) == {"b1", "b2"}


@pytest.mark.scenario("basics")
def test_skipped_root_field_needs_no_fetch(run_case: Any) -> None:
    run = run_case("basics/skip_whole_subgraph_by_default")
    assert [r["subgraph"] for r in run.requests] == ["products"]


@pytest.mark.scenario("basics")
def test_typename_of_entity_needs_no_fetch(run_case: Any) -> None:
    run = run_case("basics/typename_only_entity")
    assert [r["subgraph"] for r in run.requests] == ["reviews"]


@pytest.mark.scenario("mutations")
def test_skipped_mutation_is_never_sent(run_case: Any) -> None:
    run = run_case("mutations/skipped_mutation_is_not_executed")
    assert [r["subgraph"] for r in run.requests] == ["ledger"]


@pytest.mark.scenario("scalar_keys")
def test_keys_of_scalars_and_objects_deduplicated_by_value(run_case: Any, request: pytest.FixtureRequest) -> None:
    apollo_sends_duplicates(run_case, request)
    (slots,) = run_case("scalar_keys/int_and_enum_key").representations("labels")
    assert len(slots) == 2
    (tokens,) = run_case("scalar_keys/object_scalar_key").representations("labels")
    assert len(tokens) == 2


@pytest.mark.scenario("requires_cross_key")
def test_requirement_sent_with_the_key_the_target_subgraph_uses(run_case: Any) -> None:
    run = run_case("requires_cross_key/requirement_from_other_key")
    (reps,) = run.representations("shipping")
    assert sorted((r["__typename"], r["upc"], r["weight"]) for r in reps) == [
        ("Product", "U-1", 2),
        ("Product", "U-2", 5),
    ]


@pytest.mark.scenario("requires_two_sources")
def test_requirement_from_two_subgraphs_fetched_concurrently_then_merged(run_case: Any) -> None:
    run = run_case("requires_two_sources/requirement_from_two_subgraphs")
    sources = run.to("physics") + run.to("paint")
    assert len(sources) == 2
    assert max(r["started"] for r in sources) < min(r["finished"] for r in sources)
    (reps,) = run.representations("pricing")
    assert sorted((r["id"], r["weight"], r["colour"]) for r in reps) == [("i1", 1, "gold"), ("i2", 3, "white")]
    assert all(r["__typename"] == "Item" for r in reps)


def apollo_gets_it_wrong(run_case: Any, request: pytest.FixtureRequest, reason: str) -> None:
    """A check @apollo/gateway fails (its answer or its fetches are wrong; see the reason)."""
    if run_case.kind == "apollo":
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def _queries(run: Run, subgraph: str) -> list[str]:
    return [r["query"] for r in run.to(subgraph)]


@pytest.mark.scenario("interface_object_unresolvable")
def test_interface_object_without_type_questions_needs_no_entity_hop(run_case: Any) -> None:
    run = run_case("interface_object_unresolvable/no_typename_no_hop")
    assert [r["subgraph"] for r in run.requests] == ["charts"]


@pytest.mark.scenario("interface_object_unresolvable")
def test_interface_object_real_typename_from_owner(run_case: Any) -> None:
    run = run_case("interface_object_unresolvable/typename_from_owner")
    assert [r["subgraph"] for r in run.requests] == ["charts", "media"]
    (reps,) = run.representations("media")
    assert reps == [{"__typename": "Media", "id": "m1"}, {"__typename": "Media", "id": "b2"}]


@pytest.mark.scenario("abstract_shareable_members")
def test_fragments_on_types_a_subgraph_lacks_are_never_sent(run_case: Any) -> None:
    run = run_case("abstract_shareable_members/union_member_unknown_to_subgraph")
    (query,) = _queries(run, "store")
    assert "Pen" not in query
    run = run_case("abstract_shareable_members/member_entity_jump_beside_pruned")
    assert "Pen" not in _queries(run, "store")[0]
    assert all("Named" not in q and "Toy" not in q for q in _queries(run, "shop"))


@pytest.mark.scenario("field_type_subtype")
def test_fragment_impossible_for_subgraph_field_type_is_removed(run_case: Any) -> None:
    run = run_case("field_type_subtype/impossible_fragment_removed")
    assert [r["subgraph"] for r in run.requests] == ["books"]
    assert "Movie" not in run.requests[0]["query"]


@pytest.mark.scenario("provides_interface_external_keys")
def test_provided_interface_fields_and_keys_need_no_fetch(run_case: Any) -> None:
    assert [r["subgraph"] for r in run_case("provides_interface_external_keys/provided_keys_and_title").requests] == ["feed"]
    run = run_case("provides_interface_external_keys/jump_with_provided_key")
    assert [r["subgraph"] for r in run.requests] == ["feed", "content"]
    (reps,) = run.representations("content")
    assert reps == [{"__typename": "Video", "id": "v1"}, {"__typename": "Post", "id": "p1"}]


@pytest.mark.scenario("requires_same_field_args")
def test_each_requirement_carries_its_own_argument_value(run_case: Any, request: pytest.FixtureRequest) -> None:
    apollo_gets_it_wrong(run_case, request, "@apollo/gateway sends one price for both requirements")
    run = run_case("requires_same_field_args/both_requirements")
    assert len(run.to("products")) == 1
    sent = sorted((r["id"], r["price"]) for reps in run.representations("tax") for r in reps)
    assert sent == [("p1", 100), ("p1", 200), ("p2", 10), ("p2", 20)]


@pytest.mark.scenario("interface_object_args")
def test_interface_object_field_with_arguments_per_type_in_one_fetch(
    run_case: Any, request: pytest.FixtureRequest
) -> None:
    apollo_gets_it_wrong(run_case, request, "@apollo/gateway sends one argument for every runtime type")
    run = run_case("interface_object_args/arguments_per_type_condition")
    assert [r["subgraph"] for r in run.requests] == ["core", "pricing"]
    (reps,) = run.representations("pricing")
    assert sorted(r["id"] for r in reps) == ["c1", "h1"]


@pytest.mark.scenario("interface_object_type_requires")
def test_type_conditioned_requires_sends_only_that_type_with_requirements(
    run_case: Any, request: pytest.FixtureRequest
) -> None:
    apollo_gets_it_wrong(run_case, request, "@apollo/gateway reports the entity error at the representation's index")
    run = run_case("interface_object_type_requires/risk_for_cars_only")
    (reps,) = run.representations("risk")
    assert reps == [{"__typename": "Asset", "id": "c1", "value": 2000}, {"__typename": "Asset", "id": "c2", "value": 900}]


@pytest.mark.scenario("shareable_cost_provides")
def test_shareable_root_chosen_by_what_provides_makes_local(run_case: Any) -> None:
    run = run_case("shareable_cost_provides/provided_titles_one_fetch")
    assert [r["subgraph"] for r in run.requests] == ["reviews"]
    run = run_case("shareable_cost_provides/catalog_only_fields")
    assert [r["subgraph"] for r in run.requests] == ["catalog"]


@pytest.mark.scenario("shareable_cost_provides")
def test_provided_union_member_below_entity_not_fetched_again(
    run_case: Any, request: pytest.FixtureRequest
) -> None:
    apollo_gets_it_wrong(run_case, request, "@apollo/gateway fetches the provided Film title again")
    run = run_case("shareable_cost_provides/partly_provided_below_entity")
    assert [r["subgraph"] for r in run.requests] == ["reviews", "catalog"]
    assert run.representations("catalog") == [[{"__typename": "Book", "id": "b2"}]]
