"""Which database failures mean "the database is not reachable" (as opposed to a bad query).

Those reach the gateway as a GraphQL error with `extensions.code` DATABASE_UNAVAILABLE, which the
gateway counts as the endpoint failing (gateway/transport/failures.py) and answers from another
region; and a replica that fails this way is left for the primary at once.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"

_DRIVER = (
    OSError,  # refused, reset, unreachable (ConnectionError is one)
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,  # starting up, shutting down, in recovery
    asyncpg.InterfaceError,  # the connection was closed under us
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def is_unavailable(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, _DRIVER):
            return True
        if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, sa.InterfaceError | sa.OperationalError | sa.DisconnectionError):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
