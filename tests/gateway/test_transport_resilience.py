"""The transport's passive failure detection and circuit breakers, against real HTTP servers
(aiohttp, in the test's loop) that answer as a broken backend would: 5xx, a GraphQL error saying
the database is unavailable, a wrong identity. One definition of failure (failures.py) drives all."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import orjson
import pytest
from aiohttp import web

from gateway.transport.breaker import State
from gateway.transport.errors import SubgraphError
from gateway.transport.failures import Failure, classify_response
from gateway.transport.health import HealthChecker
from gateway.transport.http import HttpTransport
from gateway.transport.meta import FetchMeta, highest_token
from gateway.transport.routing import BreakerPolicy, Endpoint, Route, Routes

OK = {"data": {"x": 1}}
UNAVAILABLE = {
    "data": None,
    "errors": [{"message": "database down", "extensions": {"code": "DATABASE_UNAVAILABLE"}}],
}


@dataclass
class Server:
    url: str = ""
    hits: int = 0
    answer: Callable[[], web.Response] = field(default=lambda: web.json_response(OK))


@pytest.fixture
async def servers() -> AsyncIterator[Callable[[], asyncio.Future[Server]]]:
    runners: list[web.AppRunner] = []

    async def make() -> Server:
        server = Server()

        async def handle(request: web.Request) -> web.Response:
            server.hits += 1
            answer = server.answer()
            return await answer if inspect.isawaitable(answer) else answer

        app = web.Application()
        app.router.add_post("/graphql", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        server.url = f"http://127.0.0.1:{port}/graphql"
        return server

    yield make  # type: ignore[misc]
    for r in runners:
        await r.cleanup()


def _routes(*servers: Server, regions: tuple[str, ...] = ("ams", "sin"), primary: str = "", cooldown: float = 60) -> Routes:
    policy = BreakerPolicy(threshold=1, cooldown=cooldown)
    endpoints = [Endpoint(s.url, r) for s, r in zip(servers, regions, strict=False)]
    return Routes(routes={"svc": Route("svc", endpoints, policy, primary_region=primary)}, primary_region=primary)


def _meta() -> FetchMeta:
    return FetchMeta(asyncio.get_running_loop().time() + 5)


async def _query(t: HttpTransport, body: bytes = b'{"query":"{x}"}') -> dict[str, object]:
    return await t.post("svc", "http://unused", body, {}, dedupe=True, meta=_meta())  # a query


async def test_a_5xx_moves_a_query_on_and_opens_the_circuit(servers) -> None:  # type: ignore[no-untyped-def]
    bad, good = await servers(), await servers()
    bad.answer = lambda: web.Response(status=503, text="overloaded")
    routes = _routes(bad, good)
    t = HttpTransport(routes=routes)
    try:
        assert await _query(t) == OK
        assert await _query(t) == OK
        assert (bad.hits, good.hits) == (1, 2)  # open after one failure: not asked again
        assert routes.get("svc").endpoints[0].breaker.state is State.OPEN  # type: ignore[union-attr]
    finally:
        await t.close()


async def test_a_database_unavailable_error_counts_as_a_failure(servers) -> None:  # type: ignore[no-untyped-def]
    bad, good = await servers(), await servers()
    bad.answer = lambda: web.json_response(UNAVAILABLE)
    t = HttpTransport(routes=_routes(bad, good))
    try:
        assert await _query(t) == OK
        assert (bad.hits, good.hits) == (1, 1)
    finally:
        await t.close()


async def test_when_every_endpoint_is_unavailable_the_client_gets_the_last_answer(servers) -> None:  # type: ignore[no-untyped-def]
    a, b = await servers(), await servers()
    a.answer = b.answer = lambda: web.json_response(UNAVAILABLE)
    t = HttpTransport(routes=_routes(a, b))
    try:
        assert await _query(t) == UNAVAILABLE
        # both circuits open; they failed fast, so they are still tried as a last resort
        assert await _query(t) == UNAVAILABLE and (a.hits, b.hits) == (2, 2)
    finally:
        await t.close()


async def test_endpoints_that_hung_are_not_tried_when_every_circuit_is_open(servers) -> None:  # type: ignore[no-untyped-def]
    a, b = await servers(), await servers()
    routes = _routes(a, b)
    for e in routes.get("svc").endpoints:  # type: ignore[union-attr]
        routes.get("svc").failed(e, Failure.TIMEOUT, "hung")  # type: ignore[union-attr]
    t = HttpTransport(routes=routes)
    try:
        with pytest.raises(SubgraphError, match="no healthy endpoint"):
            await _query(t)  # fail fast: nothing waits on a hung endpoint again
        assert (a.hits, b.hits) == (0, 0)
    finally:
        await t.close()


async def test_a_mutation_is_not_repeated_after_a_5xx_and_goes_to_the_primary_region(servers) -> None:  # type: ignore[no-untyped-def]
    local, primary = await servers(), await servers()
    primary.answer = lambda: web.Response(status=500, text="boom")
    t = HttpTransport(routes=_routes(local, primary, primary="sin"))
    try:
        with pytest.raises(SubgraphError) as e:
            await t.post("svc", "http://unused", b'{"query":"mutation{m}"}', {}, dedupe=False, meta=_meta())
        assert e.value.to_error()["extensions"]["http"] == {"status": 500}
        assert (local.hits, primary.hits) == (0, 1)
    finally:
        await t.close()


async def test_half_open_lets_exactly_one_trial_through(servers) -> None:  # type: ignore[no-untyped-def]
    flaky, good = await servers(), await servers()
    flaky.answer = lambda: web.Response(status=502)
    routes = _routes(flaky, good, cooldown=0.0)
    t = HttpTransport(routes=routes)
    breaker = routes.get("svc").endpoints[0].breaker  # type: ignore[union-attr]
    try:
        await _query(t)
        assert breaker.state is State.OPEN
        breaker.half_open()
        assert breaker.admit() and not breaker.admit()  # one trial at a time
        breaker.trial_in_flight = False
        flaky.answer = lambda: web.json_response(OK)
        assert await _query(t) == OK  # the trial succeeds: closed again, and local is used
        assert breaker.state is State.CLOSED and flaky.hits == 2
    finally:
        await t.close()


async def test_health_checks_prove_identity_and_probe_without_client_headers(servers) -> None:  # type: ignore[no-untyped-def]
    real, impostor = await servers(), await servers()

    def identified(name: str, digest: str) -> Callable[[], web.Response]:
        return lambda: web.json_response(
            {"data": {"__typename": "Query"}},
            headers={"x-charter-subgraph": name, "x-charter-schema-hash": digest, "x-charter-instance": "i1"},
        )

    real.answer = identified("svc", "abc")
    impostor.answer = identified("svc", "zzz")
    policy = BreakerPolicy(threshold=1, cooldown=0.0)
    route = Route("svc", [Endpoint(impostor.url, "ams"), Endpoint(real.url, "sin")], policy, schema_hash="abc")
    routes = Routes(routes={"svc": route})
    assert route.candidates(False) == []  # nothing is proven yet: no traffic at all
    checker = HealthChecker(routes, interval=60, timeout=1)
    await checker.start()
    try:
        impostor_ep, real_ep = route.endpoints
        assert not impostor_ep.verified and real_ep.verified and real_ep.instance == "i1"
        assert route.candidates(False) == [real_ep]
        assert real_ep.rtt_ms is not None and real_ep.rtt_ms > 0
    finally:
        await checker.stop()


def test_failure_classification_is_explicit() -> None:
    assert classify_response(503, b"") is Failure.HTTP_5XX
    assert classify_response(200, orjson.dumps(UNAVAILABLE)) is Failure.UNAVAILABLE
    assert classify_response(200, orjson.dumps(OK)) is None
    # a GraphQL error about the request or its data is an answer, not an outage
    assert classify_response(200, b'{"errors":[{"message":"x","extensions":{"code":"BAD_USER_INPUT"}}]}') is None
    assert classify_response(400, b'{"errors":[]}') is None


def test_the_consistency_token_covers_every_write() -> None:
    meta = FetchMeta(0)
    for token in ("0/16B3748", "1/0", "0/FFFFFFFF"):
        meta.record(token, "primary")
    meta.record(None, "replica")
    assert dict(meta.response_headers()) == {
        b"x-charter-consistency": b"1/0", b"x-charter-read-source": b"primary, replica",
    }
    assert highest_token("0/A", "0/9") == "0/A" and highest_token(None, "0/1") == "0/1"


async def test_queries_waiting_on_an_endpoint_move_on_when_its_circuit_opens(servers) -> None:  # type: ignore[no-untyped-def]
    hung, good = await servers(), await servers()
    release, all_waiting = asyncio.Event(), asyncio.Event()

    async def never() -> web.Response:
        if hung.hits == 5:
            all_waiting.set()
        await release.wait()
        return web.json_response(OK)

    hung.answer = never  # type: ignore[assignment]
    routes = _routes(hung, good)
    route = routes.get("svc")
    assert route is not None
    t = HttpTransport(routes=routes, first_byte_timeout=30)  # only the open circuit frees them early
    waiting = [asyncio.create_task(_query(t, b'{"query":"{x%d}"}' % i)) for i in range(5)]
    try:
        await asyncio.wait_for(all_waiting.wait(), 5)  # all five are waiting on the hung endpoint
        started = asyncio.get_running_loop().time()
        route.failed(route.endpoints[0], Failure.TIMEOUT, "a probe timed out")
        results = await asyncio.wait_for(asyncio.gather(*waiting), 5)
        assert results == [OK] * 5 and good.hits == 5
        assert asyncio.get_running_loop().time() - started < 1.0
        assert await _query(t) == OK and hung.hits == 5  # and nothing more goes there
    finally:
        release.set()
        await t.close()


async def test_a_half_open_circuit_without_traffic_is_closed_by_the_next_passing_probe(servers) -> None:  # type: ignore[no-untyped-def]
    # With the entity cache on, every answer may be a hit: no request comes to be the trial.
    flaky = await servers()
    flaky.answer = lambda: web.Response(status=502)
    routes = _routes(flaky, regions=("ams",), cooldown=0.0)
    t = HttpTransport(routes=routes)
    route = routes.get("svc")
    assert route is not None
    breaker = route.endpoints[0].breaker
    checker = HealthChecker(routes, interval=3600, timeout=1)  # rounds driven by the test
    try:
        with pytest.raises(SubgraphError):
            await _query(t)
        assert breaker.state is State.OPEN
        flaky.answer = lambda: web.json_response({"data": {"__typename": "Query"}})
        await checker.start()  # the first round: cooled down and passing, half-open
        assert breaker.state is State.HALF_OPEN and route.candidates(False) == route.endpoints
        hits = flaky.hits
        await checker.check_all()  # no trial came in a whole interval: the passing probe closes it
        assert breaker.state is State.CLOSED and flaky.hits == hits + 1
        flaky.answer = lambda: web.Response(status=502)
        with pytest.raises(SubgraphError):
            await _query(t)  # it counts failures again as any closed circuit
        assert breaker.state is State.OPEN
    finally:
        await checker.stop()
        await t.close()


async def test_a_probe_does_not_close_a_circuit_whose_trial_is_in_flight(servers) -> None:  # type: ignore[no-untyped-def]
    server = await servers()
    routes = _routes(server, regions=("ams",), cooldown=0.0)
    route = routes.get("svc")
    assert route is not None
    breaker = route.endpoints[0].breaker
    breaker.trip()
    checker = HealthChecker(routes, interval=3600, timeout=1)
    try:
        await checker.start()
        assert breaker.state is State.HALF_OPEN
        assert breaker.admit()  # a real request took the trial
        await checker.check_all()
        assert breaker.state is State.HALF_OPEN  # its outcome, not the probe, decides
    finally:
        await checker.stop()
