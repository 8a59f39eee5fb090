"""`@cacheControl(maxAge:, scope:)`: Apollo Server's cache hint, linked as a feature and composed
into the supergraph (`@composeDirective`), where the gateway's entity cache reads the TTLs."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.schema_directive import Location

# Hints are upper bounds for staleness only when an invalidation is missed: writes and their
# events evict entries at once.
DEFAULT_MAX_AGE = 600


@strawberry.enum
class CacheControlScope(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@strawberry.federation.schema_directive(
    locations=[Location.OBJECT, Location.FIELD_DEFINITION, Location.INTERFACE, Location.UNION],
    name="cacheControl",
    compose=True,
    import_url="https://charter.dev/cacheControl/v1.0",
)
class CacheControl:
    max_age: int | None = None
    scope: CacheControlScope | None = None
    inherit_max_age: bool | None = None


def cached(max_age: int = DEFAULT_MAX_AGE) -> CacheControl:
    return CacheControl(max_age=max_age)
