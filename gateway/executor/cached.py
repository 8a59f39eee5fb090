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
from gateway.cache.tags import entity_tag, tags_of
from gateway.executor.merge import merge


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
    bypass: bool,
    placeholders: frozenset[str],
) -> EntityMisses:
    """Merge the cached entities into their objects; return what is left to fetch."""
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
    if bypass:
        cache.bypassed(len(wanted))
        return EntityMisses(encoded, targets, keys, plans)
    values = iter(await cache.lookup(wanted))
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


def entity_fill(
    cache: EntityCache, misses: EntityMisses, entities: list[Any], errors: list[dict[str, Any]]
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
        own = entity_tag(type_name, values) if tp.key_fields and None not in values else "u:" + type_name
        tags = tags_of(entity, tp.tag_paths, tp.static_tags)
        tags.add(own)
        tags.add("a:" + type_name)
        entries.append((key, orjson.dumps(entity), tp.ttl or 0, tags))
    cache.fill(entries)


def root_key(plan: FetchCachePlan, variables: bytes, scope: str | None) -> str:
    return plan.prefix + digest(variables) + (":" + scope if plan.scoped and scope else "")


async def root_lookup(cache: EntityCache, key: str, bypass: bool) -> dict[str, Any] | None:
    if bypass:
        cache.bypassed(1)
        return None
    value = (await cache.lookup([key]))[0]
    return {"data": orjson.loads(value)} if value is not None else None


def root_fill(cache: EntityCache, plan: FetchCachePlan, key: str, response: dict[str, Any]) -> None:
    data = response.get("data")
    if response.get("errors") or not isinstance(data, dict) or plan.ttl is None:
        return
    cache.fill([(key, orjson.dumps(data), plan.ttl, tags_of(data, plan.tag_paths, plan.static_tags))])


async def after_mutation(cache: EntityCache, plan: FetchCachePlan, data: Any, variables: dict[str, Any]) -> None:
    """Evict what the mutation's answer touched before the client sees the answer."""
    if not isinstance(data, dict):
        return
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
        tags |= mutation_tags(tags_of(data, paths, frozenset()), cache.config, dependents)
    if tags:
        await cache.evict(tags, "mutation")
