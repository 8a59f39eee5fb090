"""Shape the merged subgraph data into the client's answer.

Walks the client's fields (aliases, order, fragments already resolved per runtime type) over the
merged data: fields fetched only as keys or requirements disappear, `__typename` is answered from
the runtime type, leaf values are checked against their type, and a null in a non-null position
nulls the nearest nullable parent with one error (none when a subgraph already reported one there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLScalarType,
)

from gateway.errors import INVALID_RESPONSE_VALUE, error
from gateway.plan.fields import NField, uniform_selection, unwrap

_BUBBLE = object()  # "this non-null position is null": the caller nulls the nearest nullable parent

# A linked response path (parent, key): built per field without list copies, listed only on error.
LinkedPath = tuple[Any, str | int] | None


def path_list(path: LinkedPath) -> list[str | int]:
    out: list[str | int] = []
    while path is not None:
        path, key = path
        out.append(key)
    out.reverse()
    return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -(2**31) <= v < 2**31


def _is_float(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_SCALAR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Int": _is_int,
    "Float": _is_float,
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "ID": lambda v: isinstance(v, str | int) and not isinstance(v, bool),
}


class Shaper:
    def __init__(self, errors: list[dict[str, Any]], errored: set[tuple[str | int, ...]]) -> None:
        self.errors = errors
        # Paths (and prefixes) where a subgraph or a fetch already reported an error.
        self.errored = errored
        self._leaf_checks: dict[str, Callable[[Any], Any]] = {}

    def root(self, data: dict[str, Any] | None, fields: list[NField]) -> dict[str, Any] | None:
        result = self.object(data or {}, fields, None)
        return None if result is _BUBBLE else result

    def object(self, obj: dict[str, Any], fields: list[NField], path: LinkedPath) -> Any:
        out: dict[str, Any] = {}
        for nf in fields:
            key = nf.key
            if nf.name == "__typename":
                out[key] = nf.parent
                continue
            if nf.type is None:  # __schema / __type: answered by the gateway, already shaped
                out[key] = obj.get(key)
                continue
            if nf.denied:  # removed by authorization, already reported by the plan
                if isinstance(nf.type, GraphQLNonNull):
                    return _BUBBLE
                out[key] = None
                continue
            value = self.complete(obj.get(key), nf.type, nf, (path, key))
            if value is _BUBBLE:
                return _BUBBLE
            out[key] = value
        return out

    def complete(self, value: Any, t: GraphQLOutputType, nf: NField, path: LinkedPath) -> Any:
        if isinstance(t, GraphQLNonNull):
            result = self.nullable(value, t.of_type, nf, path)
            if result is None:
                if not self._already_errored(path):
                    self.errors.append(
                        error(
                            f"Cannot return null for non-nullable field {nf.parent}.{nf.name}.",
                            path=path_list(path),
                        )
                    )
                return _BUBBLE
            return result
        result = self.nullable(value, t, nf, path)
        return None if result is _BUBBLE else result

    def nullable(self, value: Any, t: GraphQLOutputType, nf: NField, path: LinkedPath) -> Any:
        if value is None:
            return None
        if isinstance(t, GraphQLList):
            if not isinstance(value, list):
                return self._invalid(nf, path, "expected a list")
            item_type = t.of_type
            out = []
            for i, item in enumerate(value):
                r = self.complete(item, item_type, nf, (path, i))
                if r is _BUBBLE:
                    return _BUBBLE
                out.append(r)
            return out
        if nf.leaf:
            check = self._leaf_checks.get(nf.named)
            if check is None:
                check = self._leaf_check(unwrap(t))
                self._leaf_checks[nf.named] = check
            if check(value):
                # graphql-js serialises an ID as a string whatever the subgraph sent
                return str(value) if value.__class__ is int and nf.named == "ID" else value
            return self._invalid(nf, path, f"not a valid {nf.named}")
        if not isinstance(value, dict):
            return self._invalid(nf, path, "expected an object")
        if nf.abstract:
            runtime = value.get("__typename")
            fields = nf.children.get(runtime) if isinstance(runtime, str) else None
            if fields is None and runtime == nf.named and nf.children and uniform_selection(nf):
                # An @interfaceObject's answer (its __typename is the interface) for a selection
                # that is the same for every runtime type: the real type was never needed.
                fields = next(iter(nf.children.values()))
            if fields is None:
                return self._invalid(nf, path, f'unknown runtime type "{runtime}" for {nf.named}')
        else:
            fields = nf.children[nf.named]
        return self.object(value, fields, path)

    def _leaf_check(self, t: Any) -> Callable[[Any], bool]:
        if isinstance(t, GraphQLEnumType):
            values = frozenset(t.values)
            return lambda v: isinstance(v, str) and v in values
        if isinstance(t, GraphQLScalarType) and t.name in _SCALAR_CHECKS:
            return _SCALAR_CHECKS[t.name]
        return lambda v: True  # custom scalars: the subgraph owns their format

    def _invalid(self, nf: NField, path: LinkedPath, why: str) -> None:
        where = path_list(path)
        self.errors.append(
            error(
                f"Invalid value for {nf.parent}.{nf.name} from a subgraph: {why}.",
                INVALID_RESPONSE_VALUE,
                path=where,
            )
        )
        self.errored.add(tuple(where))  # the null that follows needs no second error
        return None

    def _already_errored(self, path: LinkedPath) -> bool:
        if not self.errored:
            return False
        # An error at this path, above it (the parent failed) or below it (the subgraph already
        # propagated a deeper null up to here) explains this null.
        full = tuple(path_list(path))
        n = len(full)
        return any(p[:n] == full or full[: len(p)] == p for p in self.errored)
