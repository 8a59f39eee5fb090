"""Keys, JWKS files, tokens and an access-controlled supergraph for the authentication tests."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

HS_SECRET = b"a-shared-secret-of-at-least-32-bytes!!"


class Keys:
    """One key per accepted algorithm, published (public halves) in a JWKS file."""

    def __init__(self, directory: Path) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.path = directory / "jwks.json"
        self.write()

    def jwks(self, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
        import base64

        oct_jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(HS_SECRET).rstrip(b"=").decode(), "alg": "HS256"}
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"},
                {**oct_jwk, "kid": "hs-1"},
                *(extra or []),
            ]
        }

    def write(self, extra: list[dict[str, Any]] | None = None) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.jwks(extra)))
        tmp.replace(self.path)

    def token(self, alg: str = "ES256", ttl: float = 300, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": "tester", "iat": now, "exp": now + int(ttl), "iss": "charter-tests", "aud": "charter", **claims}
        key: Any = {"ES256": self.ec, "RS256": self.rsa, "HS256": HS_SECRET}[alg]
        default_kid = {"ES256": "ec-1", "RS256": "rsa-1", "HS256": "hs-1"}[alg]
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid or default_kid})


_LINKS = """
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY) {"""

_DEFINITIONS = """
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
scalar requiresScopes__Scope
scalar policy__Policy
"""


def protected_supergraph(text: str) -> str:
    """The benchmark supergraph with access control, as composition from annotated subgraphs gives
    it: `User.birthday` needs a token, `Product.reviews` scope reviews:read (or admin),
    and `User.name` policy staff."""
    # the join link ends the schema's directives, whichever way the composer breaks its lines
    text, linked = re.subn(r"for: EXECUTION\)\s*\{", lambda _: "for: EXECUTION)" + _LINKS, text, count=1)
    assert linked == 1, "no join link in the supergraph"
    text = text.replace("scalar join__FieldSet", "scalar join__FieldSet\n" + _DEFINITIONS, 1)
    replacements = {
        "  birthday: Int @join__field(graph: ACCOUNTS)": "  birthday: Int @join__field(graph: ACCOUNTS) @authenticated",
        "  reviews: [Review] @join__field(graph: REVIEWS)\n}\n\ntype Query": (
            '  reviews: [Review] @join__field(graph: REVIEWS) @requiresScopes(scopes: [["reviews:read"], ["admin"]])\n}\n\ntype Query'
        ),
        "  name: String @join__field(graph: ACCOUNTS)": '  name: String @join__field(graph: ACCOUNTS) @policy(policies: [["staff"]])',
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text
