"""`charter token` signs development tokens with the key `charter up` keeps in its data dir, and a
gateway trusting that key's JWKS accepts them with their scopes."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.auth.config import AuthConfig
from gateway.auth.tokens import AuthenticationError, Authenticator
from infra.devkey import ISSUER, PRIVATE_NAME, ensure_dev_key, parse_ttl


def _token(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "charter", "token", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=60,
    )


async def test_token_is_trusted_by_the_stack_gateway(tmp_path: Path) -> None:
    jwks = ensure_dev_key(tmp_path)
    assert stat.S_IMODE((tmp_path / PRIVATE_NAME).stat().st_mode) == 0o600
    assert "\"d\"" not in jwks.read_text()  # the JWKS holds the public half only
    assert ensure_dev_key(tmp_path) == jwks and (tmp_path / PRIVATE_NAME).read_text()  # kept across runs
    done = _token(tmp_path, "--scope", "projects:write", "--scope", "metrics:write other", "--subject", "ada", "--ttl", "5m")
    assert done.returncode == 0, done.stderr
    auth = Authenticator(AuthConfig(jwks=(str(jwks),), issuer=ISSUER))
    principal = await auth.principal(f"Bearer {done.stdout.strip()}")
    assert principal.scopes == {"projects:write", "metrics:write", "other"}
    assert principal.claims["sub"] == "ada"
    assert 290 <= principal.claims["exp"] - principal.claims["iat"] <= 300
    other = tmp_path / "other"
    ensure_dev_key(other)
    foreign = _token(other, "--scope", "projects:write").stdout.strip()
    with pytest.raises(AuthenticationError):  # another stack's key is not trusted
        await auth.principal(f"Bearer {foreign}")


def test_token_errors_are_explained(tmp_path: Path) -> None:
    missing = _token(tmp_path / "nowhere", "--scope", "projects:write")
    assert missing.returncode == 2 and "charter up" in missing.stderr
    ensure_dev_key(tmp_path)
    bad = _token(tmp_path, "--ttl", "forever")
    assert bad.returncode == 2 and "--ttl" in bad.stderr


def test_ttl_forms() -> None:
    assert parse_ttl("90") == 90 and parse_ttl("45s") == 45 and parse_ttl("30m") == 1800
    assert parse_ttl("1h") == 3600 and parse_ttl("2d") == 172800
    for bad in ("0", "-1h", "h", "400d"):
        with pytest.raises(ValueError):
            parse_ttl(bad)
