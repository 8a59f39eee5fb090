"""The plan cache: one computation per key, LRU-bounded, per schema; and the pipeline uses it."""

from __future__ import annotations

import asyncio

import pytest

from gateway.planner.cache import PlanCache
from gateway.state import build_state
from tests.gateway.gateway_support import WORKLOAD


async def test_concurrent_misses_share_one_computation() -> None:
    cache: PlanCache[str] = PlanCache(8)
    calls = 0
    release = asyncio.Event()

    async def compute() -> str:
        nonlocal calls
        calls += 1
        await release.wait()  # hold the first computation open while the others arrive
        return "plan"

    waiters = [asyncio.create_task(cache.get_or_compute_async("k", compute)) for _ in range(20)]
    await asyncio.sleep(0)  # let every waiter reach the cache
    release.set()
    assert await asyncio.gather(*waiters) == ["plan"] * 20
    assert calls == 1
    assert (cache.misses, cache.hits) == (1, 0)


async def test_a_failed_computation_is_not_cached() -> None:
    cache: PlanCache[str] = PlanCache(8)

    async def boom() -> str:
        raise ValueError("no plan")

    with pytest.raises(ValueError):
        await cache.get_or_compute_async("k", boom)

    async def ok() -> str:
        return "plan"

    assert await cache.get_or_compute_async("k", ok) == "plan"


def test_lru_bound_evicts_the_least_recently_used() -> None:
    cache: PlanCache[int] = PlanCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.peek("b") is None
    assert cache.peek("a") == 1 and cache.peek("c") == 3
    assert len(cache) == 2


def _plan(state: object, query: str, variables: dict[str, object] | None = None) -> object:
    prepared = state.documents.get(query)  # type: ignore[attr-defined]
    return state.planner.plan(prepared, None, variables or {})  # type: ignore[attr-defined]


def test_the_planner_plans_a_document_once_per_condition_values() -> None:
    state = build_state((WORKLOAD / "supergraph.graphql").read_text())
    q = "query($withName: Boolean!) { topProducts { upc name @include(if: $withName) inStock } }"
    first = _plan(state, q, {"withName": True})
    assert _plan(state, q, {"withName": True}) is first  # same key: the cached plan itself
    other = _plan(state, q, {"withName": False})
    assert other is not first  # @include changes the plan: its own key
    products = other.node.nodes[0].operation  # type: ignore[attr-defined]
    assert products == "{topProducts {upc __typename}}"  # no `name` fetched when not included
    assert (state.plans.misses, state.plans.hits) == (2, 1)


def test_a_new_schema_never_serves_an_old_plan() -> None:
    text = (WORKLOAD / "supergraph.graphql").read_text()
    old, new = build_state(text), build_state(text + "\n# v2\n")
    q = "{ topProducts { name } }"
    _plan(old, q)
    assert len(new.plans) == 0
    _plan(new, q)
    assert new.plans.misses == 1
