"""HTTP endpoints: /graphql (POST and GET, and the explorer for browsers), /health, /metrics."""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from gateway.errors import BAD_REQUEST, CSRF_BLOCKED, REFUSED, RequestError, error
from gateway.http import csrf, dashboard, graphiql, negotiation
from gateway.http.metrics import Metrics
from gateway.pipeline import Gateway, GraphQLRequest, Result


def _error_response(message: str, status: int, media_type: str, code: str = BAD_REQUEST, **headers: str) -> Response:
    body = orjson.dumps({"errors": [error(message, code)]})
    return Response(body, status_code=status, media_type=media_type, headers=headers or None)


class GraphQLEndpoints:
    def __init__(self, gateway: Gateway, metrics: Metrics, explorer: bool) -> None:
        self.gateway = gateway
        self.metrics = metrics
        self.explorer = explorer

    async def get(self, request: Request) -> Response:
        started = time.perf_counter()
        accept = request.headers.get("accept", "")
        params = request.query_params
        if "query" not in params and "extensions" not in params and self.explorer and "text/html" in accept:
            return HTMLResponse(graphiql.page(str(request.url.path), "/graphiql/assets"))
        media_type = negotiation.choose_media_type(accept)
        if media_type is None:
            self.metrics.stopped(REFUSED).observe(time.perf_counter() - started)
            return _error_response("Not acceptable.", 406, negotiation.JSON)
        config = self.gateway.config
        if config.csrf_prevention and not csrf.preflighted(request.headers, config.csrf_headers):
            self.metrics.stopped(REFUSED).observe(time.perf_counter() - started)
            return _error_response(csrf.MESSAGE + ", ".join(config.csrf_headers), 400, media_type, CSRF_BLOCKED)
        try:
            gql = negotiation.from_query_params(params)
        except RequestError as e:
            return self._request_error(e, media_type, started)
        return await self._run(gql, request, media_type, started, allow_mutation=False)

    def _request_error(self, e: RequestError, media_type: str, started: float) -> Response:
        self.metrics.stopped(REFUSED).observe(time.perf_counter() - started)
        return Response(
            orjson.dumps({"errors": e.errors}),
            status_code=e.status if e.status in (405, 413, 415) else (e.status if media_type == negotiation.GRAPHQL_RESPONSE else 400),
            media_type=media_type,
        )

    async def _run(
        self, gql: GraphQLRequest, request: Request, media_type: str, started: float, allow_mutation: bool
    ) -> Response:
        result: Result = await self.gateway.run(gql, request.headers, allow_mutation=allow_mutation)
        status = negotiation.status_for(media_type, result.request_error, result.status, result.malformed)
        self.metrics.counted(result).observe(time.perf_counter() - started)
        headers = {"allow": "POST"} if status == 405 else {}
        if result.cache_control is not None:
            headers["cache-control"] = result.cache_control
        for name, value in result.headers:
            headers[name.decode()] = value.decode("latin-1")
        return Response(result.body, status_code=status, media_type=media_type, headers=headers or None)


async def dashboard_page(request: Request) -> Response:
    return HTMLResponse(dashboard.page("/graphql", "/dashboard/assets"))


async def dashboard_asset(request: Request) -> Response:
    path = dashboard.asset_path(request.path_params["name"])
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(path, headers={"cache-control": "public, max-age=86400"})


async def asset(request: Request) -> Response:
    path = graphiql.asset_path(request.path_params["name"])
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(path, headers={"cache-control": "public, max-age=86400"})


def health(gateway: Gateway) -> Any:
    async def endpoint(request: Request) -> Response:
        state = gateway.state
        body: dict[str, Any] = {
            "status": "ok",
            "schema": state.id,
            "subgraphs": {g.name: state.urls[gid] for gid, g in state.supergraph.graphs.items()},
        }
        routes = getattr(gateway.transport, "routes", None)
        if routes:
            body["routes"] = {
                name: [e.describe() for e in routes.endpoints(name, url)]
                for name, url in body["subgraphs"].items()
                if routes.get(name) is not None
            }
        return JSONResponse(body)

    return endpoint


def metrics_endpoint(gateway: Gateway, metrics: Metrics) -> Any:
    async def endpoint(request: Request) -> Response:
        plans = gateway.state.plans
        metrics.plan_cache.set(len(plans))
        metrics.plan_hits.set(plans.hits)
        metrics.plan_misses.set(plans.misses)
        if gateway.auth is not None:
            metrics.jwt_verifications.set(gateway.auth.verified)
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    return endpoint
