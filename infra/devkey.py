"""The development signing key of a `charter up` stack, and tokens signed with it.

`charter up` creates one ES256 key per data dir (kept across restarts, so tokens minted earlier
stay valid): the private JWK readable by its owner only, the public half as the JWKS the stack's
gateway trusts. `charter token` signs with the private half. This is for development: production
gateways trust their identity provider's JWKS (`charter gateway --jwks URL`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ISSUER = "charter-dev"
PRIVATE_NAME = "dev-signing-key.json"
JWKS_NAME = "dev-jwks.json"


def ensure_dev_key(data_dir: Path) -> Path:
    """Create the key if the data dir has none; returns the public JWKS path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    private = data_dir / PRIVATE_NAME
    public = data_dir / JWKS_NAME
    if not private.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(key))
        jwk.update(kid=f"dev-{uuid.uuid4().hex[:8]}", alg="ES256", use="sig")
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(jwk, f)
    jwk = json.loads(private.read_text())
    public_jwk = {k: jwk[k] for k in ("kty", "crv", "x", "y", "kid", "alg", "use")}
    text = json.dumps({"keys": [public_jwk]}, indent=2)
    if not public.exists() or public.read_text() != text:
        public.write_text(text)
    return public


def mint(data_dir: Path, scopes: list[str], subject: str = "developer", ttl: float = 3600.0, **claims: Any) -> str:
    private = data_dir / PRIVATE_NAME
    if not private.exists():
        raise FileNotFoundError(f"no development key in {data_dir}: start the stack with `charter up --data-dir {data_dir}` first")
    jwk = json.loads(private.read_text())
    key = ECAlgorithm.from_jwk(jwk)
    now = int(time.time())
    payload: dict[str, Any] = {"iss": ISSUER, "sub": subject, "iat": now, "exp": now + int(ttl), **claims}
    if scopes:
        payload["scope"] = " ".join(scopes)
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": jwk["kid"]})  # type: ignore[arg-type]  # from_jwk of an EC private JWK: a private key


def parse_ttl(text: str) -> float:
    """`90`, `45s`, `30m`, `1h`, `2d` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    factor = units.get(text[-1:])
    number = text[:-1] if factor else text
    try:
        value = float(number) * (factor or 1)
    except ValueError:
        raise ValueError(f"bad --ttl {text!r}: use e.g. 90, 45s, 30m, 1h, 2d") from None
    if not 0 < value <= 366 * 86400:
        raise ValueError(f"bad --ttl {text!r}: between 1 second and a year")
    return value
