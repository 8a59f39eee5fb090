"""infra/observability/: the Prometheus rules pass Prometheus's own `promtool` (syntax, and unit
tests that evaluate every alert on synthetic series), the Grafana dashboard's queries parse, and
both name only series a real gateway and a real subgraph export (scraped here), which follow
Prometheus's naming conventions."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from prometheus_client.parser import text_string_to_metric_families

from gateway.composition import SubgraphInput, compose
from gateway.config import GatewayConfig
from gateway.http.app import create_app
from infra import promtool
from infra.inprocess import serve_in_loop
from infra.stack import InProcessStack

pytest_plugins = ["infra.testing"]

ROOT = Path(__file__).resolve().parents[2]
OBS = ROOT / "infra" / "observability"
RULES = OBS / "prometheus-rules.yml"
RULE_TESTS = OBS / "prometheus-rules.test.yml"
DASHBOARD = OBS / "grafana-dashboard.json"
# Histograms of something other than time (demand control's cost, unitless).
UNITLESS_HISTOGRAMS = {"charter_gateway_cost_estimated", "charter_gateway_cost_actual"}


# A cold promtool build may still be running when these tests start (last of the run): the wait
# for it is bounded here, not by the suite's per-test timeout.
BUILD_WAIT_S = 900.0
pytestmark = pytest.mark.timeout(BUILD_WAIT_S + 120)


@pytest.fixture(scope="module")
def promtool_bin() -> Path:
    path = promtool.cached() or promtool.wait_for_build(BUILD_WAIT_S)  # `make setup` may still be building it
    if path is None:
        if promtool.go() is None:
            pytest.skip("no Go toolchain here to build promtool (python -m infra.promtool says how)")
        pytest.fail(
            "promtool is not built: run `make setup` (python -m infra.promtool)\n" + promtool.build_log_tail()
        )
    return path


def run(tool: Path, *args: str, cwd: Path = OBS) -> str:
    result = subprocess.run([str(tool), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in board["panels"] for t in p.get("targets", ())]


def rules() -> list[dict[str, Any]]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def test_rules_pass_promtool_check(promtool_bin: Path) -> None:
    out = run(promtool_bin, "check", "rules", RULES.name)
    assert f"SUCCESS: {len(rules())} rules found" in out, out


def test_rules_unit_tests_evaluate_every_alert(promtool_bin: Path) -> None:
    out = run(promtool_bin, "test", "rules", RULE_TESTS.name)
    assert "SUCCESS" in out, out
    tested = {t["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for t in test.get("alert_rule_test", ())}
    assert tested == {r["alert"] for r in rules() if "alert" in r}, "every alert has a unit test"


def test_every_alert_is_routable() -> None:
    for rule in rules():
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"page", "ticket", "warning"}, rule
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule


def test_dashboard_queries_parse(promtool_bin: Path, tmp_path: Path) -> None:
    """Every panel query, as Prometheus's parser reads it (each becomes a recording rule)."""
    board = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    exprs = dashboard_exprs()
    assert len(exprs) >= 20
    checked = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": e.replace("$__rate_interval", "5m")} for i, e in enumerate(exprs)
    ]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(checked))
    assert f"SUCCESS: {len(exprs)} rules found" in run(promtool_bin, "check", "rules", str(path))


# ---------------------------------------------------------------- names against real scrapes
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"}


def series_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, groupings, ranges and
    function names taken out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        token = m.group(0)
        if token.lower() in _KEYWORDS or text[m.end():].lstrip().startswith("("):
            continue
        names.add(token)
    return names


def exported(text: str) -> tuple[set[str], dict[str, str]]:
    """Every series name an exposition offers (a counter's `_total`, a histogram's `_bucket`,
    `_count`, `_sum`), present even before a labelled series has its first sample, and each
    family's type."""
    names: set[str] = set()
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_count", "_sum"))
        else:
            names.add(family.name)
    return names, types


@pytest_asyncio.fixture(scope="module")
async def scraped(stack: InProcessStack) -> AsyncIterator[tuple[set[str], dict[str, str]]]:
    """A real gateway over the real platform subgraphs, and one of those subgraphs, scraped after
    a query went through both."""
    from subgraphs.registry import COMPOSED, SDL_ONLY, sdl_of

    urls = {**{n: u for n, (_, u) in SDL_ONLY.items()}, **{n: stack.url(n) for n in stack.served}}
    result = compose([SubgraphInput(n, urls[n], sdl_of(n)) for n in COMPOSED])
    assert result.supergraph_sdl, result.errors
    gateway = serve_in_loop(create_app(GatewayConfig(watch=False), result.supergraph_sdl))
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.post(gateway.url, json={"query": "{ nations(first: 1) { totalCount } }"})
            assert answer.json()["data"]["nations"]["totalCount"] == 195, answer.text
            gw = (await client.get(gateway.url.removesuffix("/graphql") + "/metrics")).text
            sub = (await client.get(stack.url("nations").removesuffix("/graphql") + "/metrics")).text
    finally:
        await gateway.stop()
    gw_names, gw_types = exported(gw)
    sub_names, sub_types = exported(sub)
    yield gw_names | sub_names, {**gw_types, **sub_types}


def recorded() -> set[str]:
    return {r["record"] for r in rules() if "record" in r}


async def test_dashboard_and_rules_name_only_exported_series(scraped: tuple[set[str], dict[str, str]]) -> None:
    names, _ = scraped
    for expr in [*dashboard_exprs(), *(r["expr"] for r in rules())]:
        used = series_names(expr) - {"vector", "histogram_quantile"}
        missing = used - names - recorded()
        assert not missing, f"{expr!r} reads series nobody exports: {sorted(missing)}"
    # The dashboard covers the families operators asked for (at least one panel each).
    read = set().union(*(series_names(e) for e in dashboard_exprs()))
    for family in (
        "charter_gateway_requests_total", "charter_gateway_request_seconds_bucket",
        "charter_gateway_subgraph_fetches_total", "charter_gateway_subgraph_fetch_seconds_bucket",
        "charter_gateway_subgraph_breaker_state", "charter_cache_requests_total", "charter_cache_evictions_total",
        "charter_gateway_subscriptions_open", "charter_gateway_subscription_events_total",
        "charter_gateway_event_loop_lag_seconds_bucket", "charter_subgraph_resolver_seconds_bucket",
        "charter_subgraph_sql_seconds_bucket", "charter_subgraph_replica_lag_seconds",
        "charter_subgraph_db_pool_connections",
    ):
        assert family in read, f"no panel shows {family}"


async def test_exported_names_follow_prometheus_conventions(scraped: tuple[set[str], dict[str, str]]) -> None:
    _, types = scraped
    assert types, "nothing scraped"
    for name, kind in types.items():
        assert name.startswith("charter_"), name
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        if kind == "histogram" and name not in UNITLESS_HISTOGRAMS:
            assert name.endswith("_seconds"), f"{name}: a time histogram is in seconds"
        if kind == "counter":
            assert not name.endswith("_total"), f"{name}: the client adds _total once"
        if kind == "gauge":
            assert not name.endswith("_total"), f"{name}: _total is for counters"


def test_series_names_reads_promql() -> None:
    expr = 'sum by (le) (rate(a_bucket{x="y"}[5m])) / ignoring(o) group_left sum(b_total) > 0.1 and c:rec'
    assert series_names(expr) == {"a_bucket", "b_total", "c:rec"}

