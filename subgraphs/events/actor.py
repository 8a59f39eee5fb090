"""Who is calling, for the audit trail: the subject the gateway forwards, else "anonymous".

Subgraphs sit behind the gateway, which verifies tokens; what it forwards is trusted here. We look,
in order, at `x-charter-subject`, a claims header (`x-charter-claims`: JSON, or base64url JSON, with
`sub`), and the `sub` claim of a bearer JWT in `authorization` (read, not verified: verifying is
the gateway's job; this only names the caller in the audit record).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

ANONYMOUS = "anonymous"
MAX_LEN = 200


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    return value[:MAX_LEN] or None


def _json_object(raw: str) -> dict[str, Any] | None:
    raw = raw.strip()
    candidates = [raw]
    if not raw.startswith("{"):
        try:
            candidates = [base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8")]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
    try:
        value = json.loads(candidates[0])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def actor_from_headers(headers: Mapping[str, str] | None) -> str:
    if not headers:
        return ANONYMOUS
    subject = _clean(headers.get("x-charter-subject"))
    if subject:
        return subject
    claims = headers.get("x-charter-claims")
    if claims:
        parsed = _json_object(claims)
        if parsed and (sub := _clean(parsed.get("sub"))):
            return sub
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        parts = auth[7:].strip().split(".")
        if len(parts) == 3:
            parsed = _json_object(parts[1])
            if parsed and (sub := _clean(parsed.get("sub"))):
                return sub
    return ANONYMOUS
