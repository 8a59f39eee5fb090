"""Merging the directive applications that reach the supergraph (@tag, @inaccessible, the access
control and cost directives, @deprecated, @specifiedBy and @composeDirective'd ones)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from graphql.language import print_ast

from .model import FED, Applied
from .values import from_python, to_python

# Federation directives the supergraph keeps, by their canonical subgraph name.
COMPOSED_FEDERATION = (
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
)
BUILTIN_MERGED = ("deprecated", "specifiedBy")
REPEATABLE = {"tag"}


def _dnf_conjunction(values: list[list[list[str]]]) -> list[list[str]]:
    """AND of several OR-of-ANDs (scopes, policies), as Apollo simplifies it."""
    normalised: list[list[list[str]]] = []
    seen: set[str] = set()
    for value in values:
        clauses = [sorted(c) for c in (value or [[]])]
        clauses.sort(key=json.dumps)
        key = json.dumps(clauses)
        if key not in seen:
            seen.add(key)
            normalised.append(clauses)
    result = normalised[0]
    for current in normalised[1:]:
        acc: list[list[str]] = []
        keys: set[str] = set()
        for a in result:
            for c in current:
                candidate = sorted([*a, *[e for e in c if e not in a]])
                k = json.dumps(candidate)
                if k not in keys:
                    keys.add(k)
                    acc.append(candidate)
        result = [c for c in acc if not any(set(o) < set(c) for o in acc)]
    return result


def _merge_args(name: str, apps: list[Applied]) -> dict[str, object] | None:
    values: list[dict[str, Any]] = [{k: to_python(v) for k, v in a.args.items()} for a in apps]
    if name == "cost":
        return {"weight": max(int(v.get("weight") or 0) for v in values)}
    if name == "listSize":
        out: dict[str, object] = {}
        sizes = [v["assumedSize"] for v in values if v.get("assumedSize") is not None]
        if sizes:
            out["assumedSize"] = max(sizes)
        for arg in ("slicingArguments", "sizedFields"):
            lists = [v[arg] for v in values if v.get(arg) is not None]
            if lists:
                union: list[object] = []
                for lst in lists:
                    union += [x for x in lst if x not in union]
                out[arg] = union
        # The argument's default (true) counts for applications that leave it out.
        flags = [v.get("requireOneSlicingArgument", True) for v in values]
        if flags:
            out["requireOneSlicingArgument"] = all(flags)
        return out
    if name in ("requiresScopes", "policy"):
        arg = "scopes" if name == "requiresScopes" else "policies"
        return {arg: _dnf_conjunction([v.get(arg) or [] for v in values])}
    return None


def _key(a: Applied) -> str:
    return a.name + "(" + ", ".join(f"{k}: {print_ast(v)}" for k, v in sorted(a.args.items())) + ")"


def merge_applied(
    per_source: Sequence[tuple[list[Applied], set[str]]], repeatable: set[str]
) -> list[Applied]:
    """Merge the directives of one element seen in several subgraphs into supergraph applications.

    Each source gives its directives and the custom directive names that subgraph keeps through
    @composeDirective; `repeatable` are the repeatable composed ones.
    """
    by_name: dict[str, list[Applied]] = {}
    for directives, composed in per_source:
        for d in directives:
            short = d.name.removeprefix(FED)
            if short != d.name:
                if short not in COMPOSED_FEDERATION:
                    continue
            elif d.name not in BUILTIN_MERGED and d.name not in composed:
                continue
            by_name.setdefault(short, []).append(Applied(short, d.args))
    out: list[Applied] = []
    for name, flat in by_name.items():
        if name in REPEATABLE or name in repeatable:
            seen: set[str] = set()
            for a in flat:
                if _key(a) not in seen:
                    seen.add(_key(a))
                    out.append(a)
            continue
        distinct: list[Applied] = []
        counts: list[int] = []
        for a in flat:
            keys = [_key(d) for d in distinct]
            if _key(a) in keys:
                counts[keys.index(_key(a))] += 1
            else:
                distinct.append(a)
                counts.append(1)
        if len(distinct) == 1:
            out.append(distinct[0])
            continue
        merged = _merge_args(name, distinct)
        if merged is not None:
            out.append(Applied(name, {k: from_python(v) for k, v in merged.items()}))
        else:
            out.append(distinct[counts.index(max(counts))])
    return out
