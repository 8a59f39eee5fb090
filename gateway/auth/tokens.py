"""Bearer token verification: HS256/RS256/ES256 JWTs against the configured JWKS.

Verification is done once per distinct token: a verified token's principal is kept (bounded LRU)
until the earlier of its `exp` and `cache_ttl`, so a client sending the same token on every request
pays a dict lookup, and a key removed from the JWKS stops being trusted within `cache_ttl`.
Refusals are remembered briefly too, so junk tokens cannot make every request do crypto.
"""

from __future__ import annotations

import time

import jwt

from gateway.auth.config import ALGORITHMS, AuthConfig
from gateway.auth.keys import KeySet
from gateway.auth.principal import ANONYMOUS, Principal, principal_for
from gateway.lru import LRU

_REFUSAL_TTL = 5.0
_MAX_TOKEN_BYTES = 16 * 1024


class AuthenticationError(Exception):
    """The request's credentials are refused (HTTP 401, UNAUTHENTICATED)."""


class Authenticator:
    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self.keys = KeySet(config.jwks, config.refresh)
        self.prefix = config.prefix.lower() + " " if config.prefix else ""
        self._cache: LRU[str, tuple[float, Principal | str]] = LRU(config.cache_size)
        self.verified = 0  # signature checks done (the cache's misses), for tests and /metrics

    async def start(self) -> None:
        await self.keys.start()

    async def principal(self, header: str | None) -> Principal:
        """The principal of a request from its authorization header (None: anonymous)."""
        if header is None:
            return ANONYMOUS
        cached = self._cache.get(header)
        now = time.time()
        if cached is not None:
            until, value = cached
            if now < until:
                if isinstance(value, str):
                    raise AuthenticationError(value)
                return value
            del self._cache[header]
        try:
            verified = await self._verify(header)
            until = min(now + self.config.cache_ttl, float(verified.claims["exp"]))
            principal: Principal | str = verified
        except AuthenticationError as e:
            principal, until = str(e), now + _REFUSAL_TTL
        self._cache[header] = (until, principal)
        if isinstance(principal, str):
            raise AuthenticationError(principal)
        return principal

    async def _verify(self, header: str) -> Principal:
        if len(header) > _MAX_TOKEN_BYTES:
            raise AuthenticationError("The authorization header is too large.")
        if self.prefix:
            if header[: len(self.prefix)].lower() != self.prefix:
                raise AuthenticationError(f"The authorization header must be `{self.config.prefix} <token>`.")
            token = header[len(self.prefix):].strip()
        else:
            token = header.strip()
        if not token:
            raise AuthenticationError("The authorization header carries no token.")
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise AuthenticationError(f"The token is not a valid JWT: {e}.") from None
        algorithm = head.get("alg")
        if algorithm not in ALGORITHMS:
            # "none" (an unsigned token) and anything we do not trust end here
            raise AuthenticationError(f"Token algorithm {algorithm!r} is not accepted.")
        kid = head.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise AuthenticationError("The token's `kid` is not a string.")
        keys = await self.keys.find(kid, algorithm)
        if not keys:
            raise AuthenticationError("No trusted key matches the token.")
        self.verified += 1
        options = {"require": ["exp"], "verify_aud": bool(self.config.audience)}
        last: jwt.PyJWTError | None = None
        for key in keys:
            try:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[algorithm],
                    audience=self.config.audience or None,
                    issuer=self.config.issuer or None,
                    leeway=self.config.leeway,
                    options=options,  # type: ignore[arg-type]  # PyJWT's Options TypedDict: these are its keys
                )
            except jwt.InvalidSignatureError as e:
                last = e  # no kid: try the next key of this algorithm
                continue
            except jwt.ExpiredSignatureError:
                raise AuthenticationError("The token has expired.") from None
            except jwt.PyJWTError as e:
                raise AuthenticationError(f"The token is refused: {e}.") from None
            if not isinstance(claims.get("exp"), int | float):
                raise AuthenticationError("The token's `exp` is not a number.")
            return principal_for(claims, self.config.policies)
        raise AuthenticationError(f"The token is refused: {last}.")
