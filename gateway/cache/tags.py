"""Tags name what a cache entry holds, so that a write can evict exactly the entries it makes stale.

- `e:T:key`  the entry holds entity T with this key (its own entity, or one nested in it)
- `f:T:key#field`  ... and that field of it (a write that says which fields it can change evicts
             only the entries holding one of them)
- `a:T`      the entry holds some T (evicted when a write of T has no key to name)
- `u:T`      the entry holds a T whose key it did not select (evicted by every write of T)
- `l:T`      the entry holds a list of T (a write may change which lists T belongs to)
- `t:X`      the entry holds X, a type configured as a dependent (an aggregate such as stats)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson


def collect(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Objects at `path` ("@" steps into every element of a list), nulls skipped."""
    current: list[Any] = [data]
    for step in path:
        nxt: list[Any] = []
        for value in current:
            if step == "@":
                if isinstance(value, list):
                    nxt.extend(value)
            elif isinstance(value, dict):
                v = value.get(step)
                if v is not None:
                    nxt.append(v)
        current = nxt
    return [v for v in current if isinstance(v, dict)]


def key_text(values: Iterable[Any]) -> str:
    """The canonical text of a key's values (strings as they are, anything else as JSON)."""
    parts = [v if isinstance(v, str) else orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode() for v in values]
    return parts[0] if len(parts) == 1 else "|".join(parts)


def entity_tag(type_name: str, values: Iterable[Any]) -> str:
    return f"e:{type_name}:{key_text(values)}"


def field_tags(entity: str, fields: Iterable[str]) -> list[str]:
    """The `f:` tags of these fields of an entity, from its `e:` tag."""
    base = "f" + entity[1:] + "#"
    return [base + f for f in fields]


def entity_tags(type_name: str, values: Iterable[Any], fields: Iterable[str]) -> list[str]:
    """An entry holding these fields of one entity: its `e:` tag and a `f:` tag per field."""
    tag = entity_tag(type_name, values)
    return [tag, *field_tags(tag, fields)]


@dataclass(frozen=True)
class TagPath:
    """Where entities of one type sit in a fetch's data, and which of its fields are the key."""

    path: tuple[str, ...]  # response keys, "@" into lists
    type_name: str
    types: frozenset[str] | None  # __typename values that count (None: any; the field is not abstract)
    key_fields: tuple[str, ...]  # empty: the selection lacks the key
    in_list: bool
    fields: tuple[str, ...] = ()  # the type's fields the selection holds (not the key's)


def tags_of(data: Any, paths: tuple[TagPath, ...], static: frozenset[str]) -> set[str]:
    tags = set(static)
    for tp in paths:
        objects = collect(data, tp.path)
        if not objects:
            continue
        found = False
        for obj in objects:
            typename = obj.get("__typename")
            # Without __typename an object of an abstract field may be this type: count it.
            if tp.types is not None and typename is not None and typename not in tp.types:
                continue
            found = True
            values = [obj.get(k) for k in tp.key_fields]
            if tp.key_fields and all(v is not None for v in values):
                tags.update(entity_tags(tp.type_name, values, tp.fields))
            else:
                tags.add("u:" + tp.type_name)
        if found:
            tags.add("a:" + tp.type_name)
            if tp.in_list:
                tags.add("l:" + tp.type_name)
    return tags
