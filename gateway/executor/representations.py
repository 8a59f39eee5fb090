"""Find the objects a Flatten path points at, and build the representations an `_entities` fetch sends.

Representations are encoded to JSON once each; identical ones (same bytes) are sent once and the
result is merged back into every object that produced them.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.plan.nodes import RepField, RepFragment, RepSelection

_MISSING = object()


def collect(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Objects at `path` ("@" = every list element), skipping nulls and non-objects."""
    current: list[Any] = [data]
    for step in path:
        nxt: list[Any] = []
        if step == "@":
            for value in current:
                if isinstance(value, list):
                    nxt.extend(value)
        else:
            for value in current:
                if isinstance(value, dict):
                    v = value.get(step)
                    if v is not None:
                        nxt.append(v)
        current = nxt
    out: list[dict[str, Any]] = []
    for v in current:
        if isinstance(v, dict):
            out.append(v)
        elif isinstance(v, list):  # a path ending on a list field without "@" (defensive)
            out.extend(x for x in v if isinstance(x, dict))
    return out


def collect_with_paths(data: Any, path: tuple[str, ...]) -> list[tuple[dict[str, Any], list[str | int]]]:
    """Like `collect`, with each object's response path (used only to report errors)."""
    current: list[tuple[Any, list[str | int]]] = [(data, [])]
    for step in path:
        nxt: list[tuple[Any, list[str | int]]] = []
        for value, p in current:
            if step == "@":
                if isinstance(value, list):
                    nxt.extend((x, [*p, i]) for i, x in enumerate(value))
            elif isinstance(value, dict):
                v = value.get(step)
                if v is not None:
                    nxt.append((v, [*p, step]))
        current = nxt
    return [(v, p) for v, p in current if isinstance(v, dict)]


def _select(obj: dict[str, Any], selections: tuple[RepSelection, ...], out: dict[str, Any]) -> bool:
    """Copy `selections` of `obj` into `out`; False when a selected field is missing."""
    typename = obj.get("__typename")
    for s in selections:
        if isinstance(s, RepField):
            value = obj.get(s.source_key or s.name, _MISSING)
            if value is _MISSING:
                return False
            if s.selections and value is not None:
                copied = _copy_value(value, s.selections)
                if copied is _MISSING:
                    return False
                value = copied
            out[s.name] = value
        elif typename in s.applies_to and not _select(obj, s.selections, out):
            return False
    return True


def _copy_value(value: Any, selections: tuple[RepSelection, ...]) -> Any:
    if isinstance(value, list):
        items = []
        for v in value:
            c = _copy_value(v, selections) if v is not None else None
            if c is _MISSING:
                return _MISSING
            items.append(c)
        return items
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    return out if _select(value, selections, out) else _MISSING


def representation(obj: dict[str, Any], requires: tuple[RepFragment, ...]) -> dict[str, Any] | None:
    """The representation of `obj` for this fetch, or None when it has none (wrong type, null key)."""
    typename = obj.get("__typename")
    for frag in requires:
        if typename not in frag.applies_to:
            continue
        for k in frag.key_fields:
            if obj.get(k) is None:
                return None
        rep: dict[str, Any] = {}
        if not _select(obj, frag.selections, rep):
            return None
        if frag.typename_as is not None:
            rep["__typename"] = frag.typename_as
        return rep
    return None


def build(
    objects: list[dict[str, Any]], requires: tuple[RepFragment, ...]
) -> tuple[list[bytes], list[list[dict[str, Any]]]]:
    """Encoded unique representations, and for each the objects it stands for."""
    encoded: list[bytes] = []
    targets: list[list[dict[str, Any]]] = []
    index: dict[bytes, int] = {}
    for obj in objects:
        rep = representation(obj, requires)
        if rep is None:
            continue
        b = orjson.dumps(rep)
        i = index.get(b)
        if i is None:
            index[b] = len(encoded)
            encoded.append(b)
            targets.append([obj])
        else:
            targets[i].append(obj)
    return encoded, targets
