"""Database URL spellings: users write postgresql://, SQLAlchemy wants postgresql+asyncpg://."""

from __future__ import annotations


def async_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def plain_url(url: str) -> str:
    """The libpq/asyncpg spelling (asyncpg.connect refuses the +asyncpg suffix)."""
    return "postgresql://" + async_url(url)[len("postgresql+asyncpg://") :]
