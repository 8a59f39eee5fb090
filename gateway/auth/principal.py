"""Who a request is: anonymous, or the verified claims of its token (scopes, satisfied policies)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.auth.config import Policy


@dataclass(frozen=True)
class Principal:
    authenticated: bool
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()  # names of the configured policies the claims satisfy
    claims: Mapping[str, Any] = field(default_factory=dict)
    claims_json: str = ""  # the claims as forwarded to subgraphs (ASCII JSON), "" when anonymous


ANONYMOUS = Principal(False)


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """OAuth2 `scope` (space-separated, RFC 8693) or `scp` (a list, as some issuers send it)."""
    out: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            out.update(value.split())
        elif isinstance(value, list):
            out.update(v for v in value if isinstance(v, str))
    return frozenset(out)


def _claim_holds(claims: Mapping[str, Any], name: str, expected: str) -> bool:
    if name not in claims:
        return False
    value = claims[name]
    if expected == "*":
        return True
    if isinstance(value, list):
        return any(str(v) == expected for v in value)
    if isinstance(value, str):
        return value == expected or expected in value.split()
    return json.dumps(value) == expected


def satisfied(policies: tuple[Policy, ...], claims: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(p.name for p in policies if all(_claim_holds(claims, c, v) for c, v in p.claims))


def principal_for(claims: dict[str, Any], policies: tuple[Policy, ...]) -> Principal:
    return Principal(
        True,
        scopes_of(claims),
        satisfied(policies, claims),
        claims,
        json.dumps(claims, ensure_ascii=True, separators=(",", ":")),
    )
