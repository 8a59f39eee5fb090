"""The executor's side of the entity cache: look up a fetch's entries before it is sent, send
only the misses, and store what the subgraph answered. Mutations evict what they touched.

`execute` calls these only when the gateway runs with the entity cache; each Fetch's
`FetchCachePlan` was computed once for the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gateway.cache.analyze import FetchCachePlan, TypePlan
from gateway.cache.entity import EntityCache, digest, mutation_tags
from gateway.cache.tags import entity_tags, tags_of
from gateway.executor.merge import merge
from gateway.transport.meta import lsn_value

READ_POSITION = "readPosition"  # the subgraph's extension: the WAL position its reads reflect


@dataclass
class EntityMisses:
    """The representations still to fetch, and how to store their answers."""

    encoded: list[bytes]
    targets: list[list[dict[str, Any]]]
    keys: list[str | None]  # None: this type is not cached
    plans: list[TypePlan | None]


def _type_plan(plan: FetchCachePlan, obj: dict[str, Any], rep: bytes) -> TypePlan | None:
    tp = plan.types.get(obj.get("__typename"))  # type: ignore[arg-type]  # any value: not a str finds no plan
    if tp is None and len(plan.types) > 0:
        # an @interfaceObject representation names the interface, not the object's type
        tp = plan.types.get(orjson.loads(rep).get("__typename"))
    return tp


async def entity_lookup(
    cache: EntityCache,
    plan: FetchCachePlan,
    encoded: list[bytes],
    targets: list[list[dict[str, Any]]],
    scope: str | None,
    at_least: int | None,
    placeholders: frozenset[str],
) -> EntityMisses:
    """Merge the cached entities into their objects; return what is left to fetch. With a client's
    consistency token (`at_least`), entries stamped before it count as misses."""
    suffix = ":" + scope if plan.scoped and scope else ""
    keys: list[str | None] = []
    plans: list[TypePlan | None] = []
    for rep, group in zip(encoded, targets, strict=True):
        tp = _type_plan(plan, group[0], rep)
        plans.append(tp)
        keys.append(tp.prefix + digest(rep) + suffix if tp is not None and tp.ttl else None)
    wanted = [k for k in keys if k is not None]
    if not wanted:
        return EntityMisses(encoded, targets, keys, plans)
    values = iter(await cache.lookup(wanted, at_least))
    misses = EntityMisses([], [], [], [])
    for i, key in enumerate(keys):
        value = next(values) if key is not None else None
        if value is None:
            misses.encoded.append(encoded[i])
            misses.targets.append(targets[i])
            misses.keys.append(key)
            misses.plans.append(plans[i])
            continue
        entity = orjson.loads(value)
        for obj in targets[i]:
            merge(obj, entity, placeholders)
    return misses


def _position(response: dict[str, Any], extension: str) -> int | None:
    ext = response.get("extensions")
    raw = ext.get(extension) if isinstance(ext, dict) else None
    return lsn_value(raw) if isinstance(raw, str) else None


def read_position(response: dict[str, Any]) -> int:
    """The WAL position the subgraph's reads for this answer reflect (0 when it did not say)."""
    return _position(response, READ_POSITION) or 0


def entity_fill(
    cache: EntityCache, misses: EntityMisses, entities: list[Any], errors: list[dict[str, Any]], position: int,
    started: float,
) -> None:
    """Store the answers that came back without errors (before they are merged and shared)."""
    failed: set[int] = set()
    for e in errors:
        p = e.get("path")
        if isinstance(p, list) and len(p) >= 2 and p[0] == "_entities" and isinstance(p[1], int):
            failed.add(p[1])
        else:
            return  # an error we cannot place: store nothing from this answer
    entries = []
    for i, entity in enumerate(entities):
        key, tp = misses.keys[i], misses.plans[i]
        if key is None or tp is None or i in failed or not isinstance(entity, dict):
            continue
        rep = orjson.loads(misses.encoded[i])
        values = [rep.get(k) for k in tp.key_fields]
        type_name = str(rep.get("__typename"))
        tags = tags_of(entity, tp.tag_paths, tp.static_tags)
        if tp.key_fields and None not in values:
            tags.update(entity_tags(type_name, values, tp.fields))
        else:
            tags.add("u:" + type_name)
        tags.add("a:" + type_name)
        entries.append((key, orjson.dumps(entity), tp.ttl or 0, tags))
    cache.fill(entries, position, started)


def root_key(plan: FetchCachePlan, variables: bytes, scope: str | None) -> str:
    return plan.prefix + digest(variables) + (":" + scope if plan.scoped and scope else "")


async def root_lookup(cache: EntityCache, key: str, at_least: int | None) -> dict[str, Any] | None:
    value = (await cache.lookup([key], at_least))[0]
    return {"data": orjson.loads(value)} if value is not None else None


def root_fill(cache: EntityCache, plan: FetchCachePlan, key: str, response: dict[str, Any], started: float) -> None:
    data = response.get("data")
    if response.get("errors") or not isinstance(data, dict) or plan.ttl is None:
        return
    entry = (key, orjson.dumps(data), plan.ttl, tags_of(data, plan.tag_paths, plan.static_tags))
    cache.fill([entry], read_position(response), started)


async def after_mutation(
    cache: EntityCache, plan: FetchCachePlan, response: dict[str, Any], data: Any, variables: dict[str, Any]
) -> bool:
    """Evict what the mutation's answer touched before the client sees the answer, at the write's
    position (its consistency token) when the subgraph sent one. False if the eviction failed."""
    if not isinstance(data, dict):
        return True
    tags: set[str] = set()
    for response_key, rule, argument in plan.root_fields:
        dependents = None
        if rule is not None:
            if isinstance(argument, str):
                dependents = rule.for_input(variables.get(argument[1:]))
            elif argument is not None:
                dependents = rule.for_input(dict.fromkeys(argument))
            elif rule.argument is None:
                dependents = rule.dependents
        paths = tuple(p for p in plan.tag_paths if p.path[:1] == (response_key,))
        sets = rule.sets if rule is not None else None
        tags |= mutation_tags(tags_of(data, paths, frozenset()), cache.config, dependents, sets)
    if not tags:
        return True
    return await cache.evict(tags, "mutation", _position(response, "consistencyToken")) is not None
