"""Subjects from arguments, and the plan of an event-driven subscription (no servers needed)."""

from __future__ import annotations

import pytest

from gateway.plan.nodes import Flatten, Subscription
from gateway.plan.serialize import from_json, plan_to_json
from gateway.state import build_state
from gateway.supergraph.events import EventField, SubjectError
from subgraphs.supergraph import SCHEMA_DIR


def test_render_subjects() -> None:
    field = EventField("alertRaised", ("alerts.{{ args.group }}.{{ args.severity }}",), "default", "ALERTS")
    assert field.render({"group": "EMEA", "severity": None}) == ("alerts.emea.*",)
    assert field.render({}) == ("alerts.*.*",)
    assert field.render({"group": "APAC", "severity": "CRITICAL"}) == ("alerts.apac.critical",)
    for bad in ("a.b", "*", ">", "a b", ""):
        with pytest.raises(SubjectError):
            field.render({"group": bad})


def test_the_committed_supergraph_declares_the_three_event_fields() -> None:
    state = build_state((SCHEMA_DIR / "supergraph.graphql").read_text())
    assert set(state.events.fields) == {"metricRecorded", "projectUpdated", "alertRaised"}
    assert state.events.fields["metricRecorded"].stream == "COVENANT"
    assert state.events.references[("MetricEvent", "project")][0].source == "projectId"
    # The API schema has the subscription root but none of the feature's directives.
    assert state.api_schema.subscription_type is not None
    assert state.api_schema.get_directive("natsSubscribe") is None


def test_subscription_plan_is_a_subscription_node_then_entity_fetches() -> None:
    state = build_state((SCHEMA_DIR / "supergraph.graphql").read_text())
    prepared = state.documents.get("subscription { metricRecorded { value project { name } } }")
    plan = state.planner.plan(prepared, None, {})
    assert plan is not None
    node = plan.node
    assert isinstance(node, Subscription)
    assert node.primary.service == "events" and node.primary.operation_kind == "subscription"
    assert isinstance(node.rest, Flatten) and node.rest.path == ("metricRecorded", "project")
    assert node.rest.node.service == "projects"
    assert from_json(plan_to_json(plan)["node"]) == node  # JSON round trip
