"""Deep-merge a subgraph's result into the response being assembled.

Fetches for the same object come from different subgraphs; their fields interleave at every level.
"""

from __future__ import annotations

from typing import Any


def merge(target: dict[str, Any], source: dict[str, Any], placeholders: frozenset[str]) -> None:
    """Merge `source` into `target` in place.

    `placeholders` are type names an @interfaceObject subgraph answers with instead of the real
    type: a real `__typename` is never overwritten by one, and always replaces one.
    """
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif isinstance(current, dict) and isinstance(value, dict):
            merge(current, value, placeholders)
        elif isinstance(current, list) and isinstance(value, list):
            _merge_lists(current, value, placeholders)
        elif key == "__typename":
            if value not in placeholders:
                target[key] = value
        else:
            target[key] = value


def _merge_lists(current: list[Any], value: list[Any], placeholders: frozenset[str]) -> None:
    for i, item in enumerate(value):
        if i >= len(current):
            current.append(item)
            continue
        existing = current[i]
        if isinstance(existing, dict) and isinstance(item, dict):
            merge(existing, item, placeholders)
        elif isinstance(existing, list) and isinstance(item, list):
            _merge_lists(existing, item, placeholders)
        elif existing is None:
            current[i] = item
