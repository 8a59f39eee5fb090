"""Federation 1 supergraphs (`@core`, join v0.1, `@join__owner`) are served like Federation 2 ones."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.gateway.gateway_support import WORKLOAD, GatewayFactory, Proc

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bench_fed1_supergraph.graphql"


def test_fed1_supergraph_answers_the_benchmark_query(
    bench_subgraphs: Proc, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    sg = tmp_path / "fed1.graphql"
    sg.write_text(FIXTURE.read_text().replace("127.0.0.1:4200", f"127.0.0.1:{bench_subgraphs.port}"))
    gw = start_gateway(sg)
    r = httpx.post(
        f"{gw.url}/graphql",
        content=(WORKLOAD / "payload.json").read_bytes(),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 200
    assert r.json() == json.loads((WORKLOAD / "expected.json").read_text())


def test_fed1_and_fed2_supergraphs_plan_the_same_fetches() -> None:
    from gateway.plan.printing import format_plan
    from gateway.state import build_state

    query = (WORKLOAD / "query.graphql").read_text()
    plans = []
    for text in (FIXTURE.read_text(), (WORKLOAD / "supergraph.graphql").read_text()):
        state = build_state(text)
        plan = state.planner.plan(state.documents.get(query), None, {})
        assert plan is not None
        plans.append(format_plan(plan))
    assert plans[0] == plans[1]
