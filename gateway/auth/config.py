"""Authentication settings: where keys come from, what a token must say, what reaches subgraphs."""

from __future__ import annotations

from dataclasses import dataclass, field

ALGORITHMS = ("HS256", "RS256", "ES256")


@dataclass(frozen=True)
class Policy:
    """A named policy (`@policy(policies: [["name"]])`): satisfied when every listed claim holds.

    A claim holds when the token's claim equals the value, or is a list (or a space-separated
    string) containing it; the value "*" only asks that the claim be present.
    """

    name: str
    claims: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AuthConfig:
    jwks: tuple[str, ...] = ()  # JWKS files or http(s) URLs; empty: authentication is off
    issuer: str = ""  # required `iss` when set
    audience: str = ""  # required `aud` when set
    leeway: float = 30.0  # seconds of clock skew tolerated on exp/nbf/iat
    refresh: float = 300.0  # seconds a JWKS is trusted before it is read again
    header: str = "authorization"
    prefix: str = "Bearer"
    # Claims forwarded to subgraphs (JSON) under this header; the client's own copy is dropped.
    claims_header: str = "x-charter-claims"
    policies: tuple[Policy, ...] = field(default_factory=tuple)
    cache_size: int = 10_000  # verified tokens kept (each at most until its exp, and `cache_ttl`)
    cache_ttl: float = 60.0

    @property
    def enabled(self) -> bool:
        return bool(self.jwks)


def parse_policy(text: str) -> Policy:
    """`NAME=claim:value[,claim:value...]` (the --auth-policy option)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ValueError(f"policy {text!r}: expected NAME=claim:value[,claim:value...]")
    claims = []
    for part in rest.split(","):
        claim, sep, value = part.partition(":")
        if not sep or not claim.strip():
            raise ValueError(f"policy {text!r}: {part!r} is not claim:value")
        claims.append((claim.strip(), value.strip()))
    return Policy(name.strip(), tuple(claims))
