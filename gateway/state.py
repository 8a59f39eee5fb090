"""One schema version and everything derived from it: API schema, document cache, planner (with its
plan cache).

A `SchemaState` is immutable once built; the gateway swaps the whole state atomically, so a
request keeps the state it started with until it finishes, and plans are cached per state (a
reload never serves a plan made for another schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLSchema

from gateway.auth.rules import AccessRules
from gateway.demand.rules import CostRules
from gateway.operation import DocumentCache, Limits
from gateway.planner.cache import PlanCache
from gateway.planner.front import Planned, QueryPlanner
from gateway.supergraph.api_schema import build_api_schema
from gateway.supergraph.events import EventSources, read_event_sources
from gateway.supergraph.join import Supergraph, SupergraphError


@dataclass
class SchemaState:
    supergraph: Supergraph
    api_schema: GraphQLSchema
    planner: QueryPlanner  # the planner's front door, and its plan cache
    documents: DocumentCache
    urls: dict[str, str]
    # Interface names an @interfaceObject subgraph returns as __typename (never a runtime type).
    placeholders: frozenset[str]
    cache_analyzer: Any = None  # the entity cache's analyzer for this schema, built on first use
    # @authenticated / @requiresScopes / @policy: empty (falsy) when the schema has none.
    access: AccessRules = field(default_factory=AccessRules)
    costs: CostRules = field(default_factory=CostRules)  # @cost / @listSize
    # Subscription fields the gateway reads from NATS itself (@natsSubscribe).
    events: EventSources = field(default_factory=lambda: EventSources({}, {}))

    @property
    def id(self) -> str:
        return self.supergraph.id

    @property
    def plans(self) -> PlanCache[Planned]:
        return self.planner.cache


def build_state(
    sdl: str,
    limits: Limits | None = None,
    url_overrides: dict[str, str] | None = None,
    plan_cache_size: int = 2048,
) -> SchemaState:
    supergraph = Supergraph(sdl)
    try:
        api = build_api_schema(supergraph.document, supergraph.links)
    except Exception as e:
        raise SupergraphError(f"cannot derive the API schema: {e}") from e
    urls = {gid: g.url for gid, g in supergraph.graphs.items()}
    for name, url in (url_overrides or {}).items():
        for gid, g in supergraph.graphs.items():
            if g.name == name:
                urls[gid] = url
    placeholders = frozenset(
        name
        for name, t in supergraph.schema.type_map.items()
        if isinstance(t, GraphQLInterfaceType)
    )
    sub_type = supergraph.schema.subscription_type
    events = read_event_sources(supergraph.document, supergraph.links, sub_type.name if sub_type else None)
    documents = DocumentCache(api, limits or Limits())
    access = AccessRules.read(supergraph.document, supergraph.links)
    return SchemaState(
        events=events,
        supergraph=supergraph,
        api_schema=api,
        planner=QueryPlanner(supergraph, api, documents, access, plan_cache_size),
        documents=documents,
        urls=urls,
        placeholders=placeholders,
        access=access,
        costs=CostRules.read(supergraph.document, supergraph.links),
    )
