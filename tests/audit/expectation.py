"""The audit's verdict on one response: `data` deep-equal, and errors present when (and only when)
the expected answer says so.

The audit compares `data` as values (key order is free, as in JavaScript's deep equality) and only
checks whether `errors` exists, never the wording. An expected answer without an `errors` (or
`data`) key leaves that part unchecked, as the audit does.
"""

from __future__ import annotations

from typing import Any


def _diff(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        if set(expected) != set(actual):
            return [f"{where}: keys {sorted(actual)} != expected {sorted(expected)}"]
        return [p for k in expected for p in _diff(expected[k], actual[k], f"{where}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for p in _diff(e, a, f"{where}[{i}]")]
    # JSON has one number type: 1 and 1.0 are the same value.
    same = (expected is actual) if isinstance(expected, bool) or isinstance(actual, bool) else (
        expected == actual and (type(expected) is type(actual) or {type(expected), type(actual)} <= {int, float})
    )
    return [] if same else [f"{where}: expected {expected!r}, got {actual!r}"]


def problems(expected: dict[str, Any], actual: Any) -> list[str]:
    """Human-readable differences; empty when the audit would pass the response."""
    if not isinstance(actual, dict):
        return [f"response is not a JSON object: {actual!r}"]
    # Like the audit, an expected answer that states no `data` leaves data unchecked.
    found = _diff(expected["data"], actual.get("data"), "data") if "data" in expected else []
    if "errors" in expected:
        has_errors = bool(actual.get("errors"))
        if expected["errors"] and not has_errors:
            found.append("expected errors, got none")
        if not expected["errors"] and has_errors:
            found.append(f"unexpected errors: {actual['errors']}")
    return found
