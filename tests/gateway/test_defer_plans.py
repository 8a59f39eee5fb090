"""Query plans for `@defer` (no network: the planner is pure): the Defer node, what the primary part
fetches for the deferred ones, nesting, `if`, labels, validation, printing and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gateway.operation import coerce_variables, select_operation
from gateway.plan.deferred import DeferBlock
from gateway.plan.nodes import Defer, Fetch, Flatten, PlanNode, QueryPlan, Sequence
from gateway.plan.printing import format_node, format_plan
from gateway.plan.serialize import from_json, to_json
from gateway.state import SchemaState, build_state

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "federation" / "scenario" / "supergraph.graphql"
MUTATIONS = REPO / "tests" / "federation" / "scenarios" / "mutations" / "supergraph.graphql"


@pytest.fixture(scope="module")
def state() -> SchemaState:
    return build_state(BENCH.read_text())


def plan(
    state: SchemaState, query: str, variables: dict[str, Any] | None = None
) -> tuple[QueryPlan, tuple[DeferBlock, ...]]:
    """The planner's front door, for a client that takes incremental delivery."""
    prepared = state.documents.get(query)
    assert not prepared.errors, prepared.errors
    operation = select_operation(prepared, None)
    coerced = coerce_variables(state.api_schema, operation, variables)
    result = state.planner.plan(prepared, None, coerced, incremental=True)
    assert result is not None and result.operation is not None
    return result, result.operation.deferred


def selects(operation: str, field: str) -> bool:
    return re.search(rf"(?<!\w){field}\b", operation) is not None


def fetches(node: PlanNode | None) -> list[Fetch]:
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return [node.node]
    if isinstance(node, Defer):
        return fetches(node.primary) + [f for d in node.deferred for f in fetches(d.node)]
    return [f for n in node.nodes for f in fetches(n)]  # type: ignore[union-attr]


def test_deferred_entity_fields_are_fetched_from_the_primary_parts_objects(state: SchemaState) -> None:
    result, blocks = plan(state, '{ topProducts { name ... @defer(label: "reviews") { reviews { body author { name } } } } }')
    node = result.node
    assert isinstance(node, Defer)
    primary = node.primary
    assert isinstance(primary, Fetch) and primary.service == "products"
    # The primary part selects what the deferred part's representations need: __typename and the key.
    assert not selects(primary.operation, "reviews")
    assert selects(primary.operation, "__typename") and selects(primary.operation, "upc")
    (deferred,) = node.deferred
    assert deferred.label == "reviews"
    assert deferred.path == ("topProducts", "@")
    assert deferred.depends == (primary.id,)
    assert deferred.type_condition == "Product"
    assert isinstance(deferred.node, Sequence)
    first, second = deferred.node.nodes
    assert isinstance(first, Flatten) and first.node.service == "reviews" and first.path == ("topProducts", "@")
    assert isinstance(second, Flatten) and second.node.service == "accounts"
    assert blocks[deferred.id].label == "reviews"
    # Ids are unique across the parts: `depends` names exactly one fetch.
    ids = [f.id for f in fetches(node)]
    assert len(ids) == len(set(ids)) == 3


def test_a_fragment_from_the_parents_own_subgraph_is_still_a_fetch_of_its_own(state: SchemaState) -> None:
    result, _ = plan(state, "{ me { id ... @defer { name } } }")
    node = result.node
    assert isinstance(node, Defer) and isinstance(node.primary, Fetch)
    assert node.primary.service == "accounts" and not selects(node.primary.operation, "name")
    (deferred,) = node.deferred
    assert deferred.label is None and deferred.path == ("me",)
    assert isinstance(deferred.node, Flatten)
    assert deferred.node.node.service == "accounts" and deferred.node.node.is_entity_fetch
    assert selects(deferred.node.node.operation, "name")


def test_a_root_level_fragment_has_its_own_root_fetch_and_no_dependency(state: SchemaState) -> None:
    result, _ = plan(state, '{ me { id } ... @defer(label: "top") { topProducts(first: 2) { name } } }')
    node = result.node
    assert isinstance(node, Defer)
    (deferred,) = node.deferred
    assert deferred.depends == () and deferred.path == ()
    assert isinstance(deferred.node, Fetch) and not deferred.node.is_entity_fetch
    assert deferred.node.service == "products" and selects(deferred.node.operation, "topProducts")
    assert isinstance(node.primary, Fetch) and not selects(node.primary.operation, "topProducts")


def test_nested_deferred_fragments_hang_off_their_parent_part(state: SchemaState) -> None:
    query = """{ topProducts(first: 1) { name ... @defer(label: "outer") {
        shippingEstimate reviews { id ... @defer(label: "inner") { body } } } } }"""
    result, blocks = plan(state, query)
    node = result.node
    assert isinstance(node, Defer)
    (outer,) = node.deferred
    assert outer.label == "outer" and isinstance(outer.node, Defer)
    (inner,) = outer.node.deferred
    assert inner.label == "inner" and inner.path == ("topProducts", "@", "reviews", "@")
    outer_fetches = {f.id: f for f in fetches(outer.node.primary)}
    # The inner part starts from the outer part's fetch that brings the reviews (and their ids),
    # not from its sibling at the same path (inventory's shippingEstimate).
    assert [outer_fetches[i].service for i in inner.depends] == ["reviews"]
    assert sorted(f.service for f in outer_fetches.values()) == ["inventory", "reviews"]
    # @requires of a deferred field: the primary part brings what inventory's representation needs.
    assert isinstance(node.primary, Fetch)
    assert selects(node.primary.operation, "price") and selects(node.primary.operation, "weight")
    assert [b.label for b in blocks] == ["outer", "inner"]
    assert (outer.id, inner.id) == (0, 1)


def test_if_false_and_if_variable(state: SchemaState) -> None:
    off, _ = plan(state, "{ me { id ... @defer(if: false) { name } } }")
    assert isinstance(off.node, Fetch) and selects(off.node.operation, "name")
    query = "query($d: Boolean!) { me { id ... @defer(if: $d) { name } } }"
    assert isinstance(plan(state, query, {"d": True})[0].node, Defer)
    plain = plan(state, query, {"d": False})[0].node
    assert isinstance(plain, Fetch) and selects(plain.operation, "name")


def test_fragment_spreads_and_abstract_types(state: SchemaState) -> None:
    query = "{ me { id ...Later @defer(label: \"later\") } } fragment Later on User { name reviews { body } }"
    result, blocks = plan(state, query)
    node = result.node
    assert isinstance(node, Defer)
    (deferred,) = node.deferred
    assert deferred.label == "later" and deferred.subselection == "{ name reviews { body } }"
    services = sorted(f.service for f in fetches(deferred.node))
    assert services == ["accounts", "reviews"]
    assert blocks[0].type_name == "User"


def test_validation_follows_graphql_core(state: SchemaState) -> None:
    # Declared in the API schema, as Apollo Router declares it.
    directive = state.api_schema.get_directive("defer")
    assert directive is not None and set(directive.args) == {"label", "if"}
    assert state.api_schema.get_directive("stream") is None
    dup = state.documents.get('{ me { ... @defer(label: "a") { name } ... @defer(label: "a") { id } } }')
    assert dup.errors and "label" in dup.errors[0].message.lower()
    mutations = build_state(MUTATIONS.read_text())
    on_root = mutations.documents.get('mutation { ... @defer { record(note: "x") { __typename } } }')
    assert on_root.errors and "root mutation" in on_root.errors[0].message
    below_root = mutations.documents.get('mutation { record(note: "x") { ... @defer { __typename } } }')
    assert not below_root.errors
    assert state.documents.get("{ me { ... @defer { name } } }").has_defer
    assert not state.documents.get("{ me { name } }").has_defer


def test_if_variable_is_a_plan_condition(state: SchemaState) -> None:
    prepared = state.documents.get("query($d: Boolean! = true) { me { ... @defer(if: $d, label: \"x\") { name } } }")
    assert prepared.condition_variables == ("d",)


def test_printed_like_apollos_query_plans(state: SchemaState) -> None:
    result, _ = plan(state, '{ me { id ... @defer(label: "n") { name } } }')
    assert isinstance(result.node, Defer)
    text = format_node(result.node)
    assert text.startswith("Defer {\n  Primary {\n    Fetch(service: \"accounts\")")
    assert '  }, [\n    Deferred(depends: [0], path: "me", label: "n") {\n      { name }:\n      Flatten(path: "me")' in text
    assert text.endswith("    },\n  ]\n}")


def test_a_defer_plan_round_trips_through_json_and_prints(state: SchemaState) -> None:
    query = """{ me { id ... @defer { name } } ... @defer(label: "top") { topProducts(first: 1) { name
        ... @defer(label: "inner") { shippingEstimate reviews { id ... @defer(label: "deep") { body } } } } } }"""
    result, _ = plan(state, query)
    assert result.node is not None
    encoded = json.loads(json.dumps(to_json(result.node)))  # plain JSON, as the plan store keeps it
    assert encoded["kind"] == "Defer" and encoded["deferred"][0]["label"] == "top"
    assert from_json(encoded) == result.node
    printed = format_plan(result)
    assert printed.startswith("QueryPlan {\n  Defer {\n    Primary {")
    assert 'Deferred(depends: [], path: "", label: "top")' in printed
    assert 'Deferred(depends: [3], path: "topProducts/reviews", label: "deep")' in printed
    # Every part's fetches count: primary me, the same-subgraph name, topProducts, inventory,
    # reviews, and the deep body.
    assert result.fetch_count == 6 == len(fetches(result.node))
    # The whole plan, its operation's deferred fragments too, as the plan store keeps it.
    again = QueryPlan.from_json(json.loads(json.dumps(result.to_json())), state.api_schema)
    assert again.node == result.node and again.operation is not None and result.operation is not None
    assert [(b.label, b.type_name) for b in again.operation.deferred] == [
        (b.label, b.type_name) for b in result.operation.deferred
    ]
    assert [[f.key for f in b.fields] for b in again.operation.deferred] == [
        ["topProducts"], ["shippingEstimate", "reviews"], ["body"], ["name"]
    ]


def test_without_incremental_delivery_the_same_document_plans_as_one_response(state: SchemaState) -> None:
    query = '{ me { id ... @defer(label: "n") { name } } }'
    prepared = state.documents.get(query)
    single = state.planner.plan(prepared, None, {})
    assert single is not None and isinstance(single.node, Fetch) and selects(single.node.operation, "name")
    incremental = state.planner.plan(prepared, None, {}, incremental=True)
    assert incremental is not None and isinstance(incremental.node, Defer)
    assert single.operation is not None and not single.operation.deferred
    # Two plans of one document, each cached under its own key.
    assert state.planner.plan(prepared, None, {}) is single
    assert state.planner.plan(prepared, None, {}, incremental=True) is incremental
    # A document without @defer has one plan whatever the client takes.
    plain = state.documents.get("{ me { id name } }")
    assert state.planner.plan(plain, None, {}, incremental=True) is state.planner.plan(plain, None, {})


def test_charter_plan_prints_the_incremental_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from gateway import plan_cli

    query = tmp_path / "q.graphql"
    query.write_text('{ me { id ... @defer(label: "n") { name } } }')
    parser = argparse.ArgumentParser()
    plan_cli.register(parser)
    base = ["--supergraph", str(BENCH), "--query", str(query)]
    assert plan_cli.run(parser.parse_args([*base, "--incremental"])) == 0
    printed = capsys.readouterr().out
    assert "Defer {" in printed and 'Deferred(depends: [0], path: "me", label: "n")' in printed
    assert plan_cli.run(parser.parse_args(base)) == 0
    assert "Defer" not in capsys.readouterr().out  # without it: the one-response plan


def test_a_fragment_deferred_below_a_mutation_root_is_fetched_by_query_after_it() -> None:
    mutations = build_state(MUTATIONS.read_text())
    result, _ = plan(mutations, 'mutation { reserve(sku: "a") { id sku ... @defer(label: "cost") { cost } } }')
    node = result.node
    assert isinstance(node, Defer) and isinstance(node.primary, Fetch)
    assert node.primary.operation_kind == "mutation" and not selects(node.primary.operation, "cost")
    # The mutation runs once; its deferred part reads the reservation through _entities (a query).
    assert selects(node.primary.operation, "qty")  # what ledger's cost @requires
    (deferred,) = node.deferred
    assert isinstance(deferred.node, Flatten) and deferred.node.node.operation_kind == "query"
    assert deferred.node.node.service == "ledger" and deferred.depends == (node.primary.id,)
