"""Compare a GraphQL response with an expected one, independent of error wording.

`data` must be equal, including the order of keys (a gateway must answer in the client's selection
order). Each expected error must match a distinct actual error on the keys it states: `path`
(exactly; `null` means "no path"), `extensions` (a subset: usually just `code`) and, optionally,
`messageMatches` (a regular expression). Messages are otherwise free. Unless the expected response
sets `"$extraErrorsAllowed": true`, the gateway must report exactly as many errors as expected.
Keys starting with `$` are notes for readers and the matcher (`$comment`).
"""

from __future__ import annotations

import re
from typing import Any

MISSING = object()


def _ordered_diff(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        if list(expected) != list(actual):
            return [f"{where}: keys {list(actual)} != expected {list(expected)}"]
        return [p for k in expected for p in _ordered_diff(expected[k], actual[k], f"{where}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [
            p for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for p in _ordered_diff(e, a, f"{where}[{i}]")
        ]
    if not _same_scalar(expected, actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def _same_scalar(expected: Any, actual: Any) -> bool:
    # JSON has one number type: 25 and 25.0 are the same Float (JavaScript prints the former).
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def error_matches(pattern: dict[str, Any], error: Any) -> bool:
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return False
    if "path" in pattern and error.get("path") != pattern["path"]:
        return False
    if "extensions" in pattern and not _subset(pattern["extensions"], error.get("extensions", {})):
        return False
    regex = pattern.get("messageMatches")
    return regex is None or re.search(regex, error["message"]) is not None


def _match_errors(patterns: list[dict[str, Any]], errors: list[Any]) -> list[str]:
    """Assign each pattern a distinct error (small lists: a greedy search with backtracking)."""

    def assign(i: int, used: frozenset[int]) -> bool:
        if i == len(patterns):
            return True
        return any(
            j not in used and error_matches(patterns[i], e) and assign(i + 1, used | {j})
            for j, e in enumerate(errors)
        )

    if assign(0, frozenset()):
        return []
    unmatched = [p for p in patterns if not any(error_matches(p, e) for e in errors)]
    return [f"errors: no actual error matches {p}" for p in unmatched] or [
        "errors: expected errors cannot each be matched to a distinct actual error"
    ]


def mismatches(expected: dict[str, Any], actual: Any) -> list[str]:
    """Human-readable differences; empty when the response conforms."""
    if not isinstance(actual, dict):
        return [f"response is not a JSON object: {actual!r}"]
    problems: list[str] = []
    if "data" in expected or "data" in actual:
        problems += _ordered_diff(expected.get("data", MISSING), actual.get("data", MISSING), "data")
    patterns = expected.get("errors", [])
    errors = actual.get("errors", [])
    if not isinstance(errors, list):
        return [*problems, f"errors is not a list: {errors!r}"]
    if not patterns and errors:
        problems.append(f"unexpected errors: {errors}")
    elif patterns:
        if not expected.get("$extraErrorsAllowed") and len(errors) != len(patterns):
            problems.append(f"expected {len(patterns)} errors, got {len(errors)}: {errors}")
        problems += _match_errors(patterns, errors)
    return problems
