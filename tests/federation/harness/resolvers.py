"""What a scenario's `resolvers.py` provides for each of its subgraphs.

Objects are plain dicts. graphql-core's default resolver reads `obj[field]` and, when that value is
callable, calls it as `value(info, **args)`: that is how fields with arguments, errors and slow
fields are written. Abstract types resolve through the dict's `__typename`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
# representation (with __typename) -> the entity as this subgraph sees it, or None when unknown
EntityResolver = Callable[[Obj], Obj | None]

# How a subgraph may misbehave on purpose, for the error cases.
NORMAL = "normal"
NON_JSON = "non_json"  # 200 with an HTML body
WRONG_SHAPE = "wrong_shape"  # 200 with JSON that is not a GraphQL response
HTTP_500 = "http_500"  # 500 with a JSON error body
SLOW = "slow"  # answers correctly, after `delay` seconds
ERRORS_ONLY = "errors_only"  # 200 with {"data": null, "errors": [...]} whatever was asked
SLOPPY = "sloppy"  # correct values, but every object's keys reversed and an extra key added
SHORT_ENTITIES = "short_entities"  # `_entities` answers one item fewer than it was sent
BEHAVIOURS = {NORMAL, NON_JSON, WRONG_SHAPE, HTTP_500, SLOW, ERRORS_ONLY, SLOPPY, SHORT_ENTITIES}


@dataclass
class Subgraph:
    query: Mapping[str, Any] = field(default_factory=dict)
    mutation: Mapping[str, Any] = field(default_factory=dict)
    entities: Mapping[str, EntityResolver] = field(default_factory=dict)
    behaviour: str = NORMAL
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {self.behaviour!r}")


def lookup(table: Mapping[Any, Obj], *key_fields: str) -> EntityResolver:
    """An entity resolver finding `table` rows by the representation's key field values (one field:
    the value itself is the table key; several: a tuple). The row is laid over the representation,
    so fields the gateway sent along (requirements) stay in the returned object."""

    def resolve(rep: Obj) -> Obj | None:
        key = tuple(rep.get(f) for f in key_fields)
        row = table.get(key[0] if len(key) == 1 else key)
        if row is None:
            return None
        return {**rep, **row}

    return resolve
