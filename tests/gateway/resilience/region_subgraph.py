"""`python -m tests.gateway.resilience.region_subgraph --port N --region R`: a small real
Federation 2 subgraph (Strawberry over uvicorn) for resilience tests, one process per region.

It says which region answered (`where`), counts the mutations it ran (`bump`, `bumps`), remembers
the Authorization headers it was sent (`authSeen`) and, like the platform's subgraphs, sends the
identity headers (subgraph name, schema hash, instance id) on every response; `--pose-as` makes an
impostor that claims another schema hash.
"""

from __future__ import annotations

import argparse

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types import Info

from subgraphs.common.identity import IdentityHeaders, schema_hash

NAME = "probe"
STATE: dict[str, object] = {"region": "?", "bumps": 0, "auth": []}


@strawberry.type
class Query:
    @strawberry.field
    def where(self) -> str:
        return str(STATE["region"])

    @strawberry.field
    def bumps(self) -> int:
        return int(STATE["bumps"])  # type: ignore[call-overload]

    @strawberry.field
    def auth_seen(self) -> list[str]:
        return list(STATE["auth"])  # type: ignore[call-overload]

    @strawberry.field
    def echo(self, info: Info, text: str) -> str:
        auth = info.context["request"].headers.get("authorization")
        if auth is not None:
            STATE["auth"].append(auth)  # type: ignore[attr-defined]
        return f"{text}@{STATE['region']}"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def bump(self) -> int:
        STATE["bumps"] = int(STATE["bumps"]) + 1  # type: ignore[call-overload]
        return int(STATE["bumps"])  # type: ignore[call-overload]


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, federation_version="2.5")
SDL_HASH = schema_hash(schema.as_str())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--pose-as", default="", help="claim this schema hash (an impostor)")
    args = parser.parse_args()
    STATE["region"] = args.region
    app = Starlette(
        routes=[Route("/graphql", GraphQL(schema, graphql_ide=None), methods=["GET", "POST"])],
        middleware=[Middleware(IdentityHeaders, name=NAME, sdl_hash=args.pose_as or SDL_HASH, instance=args.region)],
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
