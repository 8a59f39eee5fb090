"""Two small Federation 2 subgraphs for the cache tests, with `@cacheControl` hints composed into
the supergraph (`@composeDirective`), served over real HTTP in the test's event loop.

`catalog` owns Product (upc, name, price) and its list; `reviews` adds Product.reviews (a list of
Review entities) and a scoped field. Each counts what it was asked, so a test can tell a cache hit
(the subgraph was not asked) from a miss.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.composition import SubgraphInput, compose
from infra.inprocess import ServedApp, serve_in_loop
from subgraphs.common.cache_control import CacheControl  # the directive as our subgraphs link it


@dataclass
class World:
    """The data both subgraphs serve, and what they were asked."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # requests per subgraph ("catalog", "reviews") and representations resolved ("reviews:reps")
    asked: Counter[str] = field(default_factory=Counter)
    # what the subgraphs report in `extensions.readPosition` (the WAL position their reads
    # reflect), as our subgraphs do; None: they say nothing, as a subgraph that knows no position
    read_position: str | None = None
    write_token: str | None = None  # `extensions.consistencyToken` of a mutation's answer, as ours send
    # While set, a subgraph's answer is held after it was resolved (a slow read): `held` is set
    # once one is waiting, `release` lets it go.
    hold: bool = False
    held: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def seeded(cls, n: int = 20) -> World:
        w = cls()
        for i in range(1, n + 1):
            upc = str(i)
            w.products[upc] = {"upc": upc, "name": f"product {i}", "price": 10 * i}
            w.reviews[upc] = [{"id": f"r{i}-{j}", "body": f"review {j} of {i}"} for j in (1, 2)]
        return w


class ReadPosition(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        world = self.execution_context.context["world"]
        if self.execution_context.operation_type is OperationType.MUTATION:
            return {"consistencyToken": world.write_token} if world.write_token else {}
        return {"readPosition": world.read_position} if world.read_position else {}


def _world(info: strawberry.Info) -> World:
    return info.context["world"]  # type: ignore[no-any-return]


@strawberry.federation.type(keys=["upc"], directives=[CacheControl(max_age=60)], name="Product")
class CatalogProduct:
    upc: strawberry.ID
    name: str
    price: int

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, upc: strawberry.ID) -> CatalogProduct | None:
        p = _world(info).products.get(str(upc))
        return CatalogProduct(**p) if p else None


@strawberry.type
class CatalogQuery:
    @strawberry.field(directives=[CacheControl(max_age=30)])
    def product(self, info: strawberry.Info, upc: strawberry.ID) -> CatalogProduct | None:
        p = _world(info).products.get(str(upc))
        return CatalogProduct(**p) if p else None

    @strawberry.field(directives=[CacheControl(max_age=20)])
    def top_products(self, info: strawberry.Info, first: int = 5) -> list[CatalogProduct]:
        return [CatalogProduct(**p) for p in list(_world(info).products.values())[:first]]

    @strawberry.field
    def product_count(self, info: strawberry.Info) -> int:
        return len(_world(info).products)


@strawberry.input
class ProductInput:
    name: str | None = None
    price: int | None = None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation
    def rename_product(self, info: strawberry.Info, upc: strawberry.ID, name: str) -> CatalogProduct:
        products = _world(info).products
        products[str(upc)]["name"] = name
        return CatalogProduct(**products[str(upc)])

    @strawberry.mutation
    def update_product(self, info: strawberry.Info, upc: strawberry.ID, input: ProductInput) -> CatalogProduct:
        product = _world(info).products[str(upc)]
        if input.name is not None:
            product["name"] = input.name
        if input.price is not None:
            product["price"] = input.price
        return CatalogProduct(**product)


@strawberry.federation.type(keys=["id"], directives=[CacheControl(max_age=300)])
class Review:
    id: strawberry.ID
    body: str


@strawberry.federation.type(keys=["upc"], directives=[CacheControl(max_age=120)], name="Product")
class ReviewsProduct:
    upc: strawberry.ID

    @strawberry.field
    def reviews(self, info: strawberry.Info) -> list[Review]:
        return [Review(**r) for r in _world(info).reviews.get(str(self.upc), [])]

    @strawberry.federation.field(requires_scopes=[["read:notes"]])
    def note(self, info: strawberry.Info) -> str:
        auth = info.context["request"].headers.get("authorization", "")
        return f"note for {self.upc} as {auth or 'nobody'}"

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, upc: strawberry.ID) -> ReviewsProduct:
        _world(info).asked["reviews:reps"] += 1
        return ReviewsProduct(upc=upc)


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self, info: strawberry.Info) -> int:
        return sum(len(v) for v in _world(info).reviews.values())


def catalog_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(
        query=CatalogQuery, mutation=CatalogMutation, federation_version="2.5", extensions=[ReadPosition]
    )


def reviews_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(
        query=ReviewsQuery, types=[ReviewsProduct, Review], federation_version="2.5", extensions=[ReadPosition]
    )


class Counted(GraphQL):
    def __init__(self, schema: strawberry.federation.Schema, world: World, name: str) -> None:
        super().__init__(schema, graphql_ide=None)
        self.world = world
        self.name = name

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # nothing to open or close
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "http" and scope.get("method") == "POST":
            self.world.asked[self.name] += 1
            if self.world.hold:
                send = self._held(send)
        await super().__call__(scope, receive, send)

    def _held(self, send: Any) -> Any:
        world = self.world

        async def held_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":  # resolved: what it read is final
                world.held.set()
                await world.release.wait()
            await send(message)

        return held_send

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"world": self.world, "request": request, "response": response}


@dataclass
class CacheWorld:
    world: World
    servers: list[ServedApp]
    supergraph: str

    @property
    def asked(self) -> Counter[str]:
        return self.world.asked

    @property
    def products(self) -> dict[str, dict[str, Any]]:
        return self.world.products

    async def stop(self) -> None:
        for s in self.servers:
            await s.stop()


async def start_world() -> CacheWorld:
    world = World.seeded()
    schemas = {"catalog": catalog_schema(), "reviews": reviews_schema()}
    servers = {name: serve_in_loop(Counted(s, world, name)) for name, s in schemas.items()}
    result = compose([SubgraphInput(name, servers[name].url, s.as_str()) for name, s in schemas.items()])
    assert result.supergraph_sdl is not None, result.errors
    return CacheWorld(world, list(servers.values()), result.supergraph_sdl)


def request_headers(*, token: str | None = None, authorization: str | None = None) -> dict[str, str]:
    """Every header the cache tests send, built in this one place (auth may need more later)."""
    h = {"content-type": "application/json", "accept": "application/graphql-response+json"}
    if token is not None:
        h["x-charter-consistency"] = token
    if authorization is not None:
        h["authorization"] = authorization
    return h


@dataclass
class ServedGateway:
    served: ServedApp
    gateway: Any  # gateway.pipeline.Gateway

    @property
    def url(self) -> str:
        return self.served.url


def serve_gateway(supergraph: str, **config: Any) -> ServedGateway:
    from gateway.config import GatewayConfig
    from gateway.http.app import create_app

    app = create_app(GatewayConfig(watch=False, **config), supergraph)
    return ServedGateway(serve_in_loop(app), app.app.state.gateway)  # type: ignore[attr-defined]


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of a Prometheus text exposition (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        sname, _, rest = series.partition("{")
        got = ",".join(sorted(p for p in rest.rstrip("}").split(",") if p))
        if sname == name and got == want:
            return float(value)
    return 0.0
