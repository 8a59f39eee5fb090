"""Per-request fetch state the transport shares with the executor: the request's deadline, and the
response headers subgraphs send that the gateway passes on to the client, combined over fetches.

x-charter-consistency  a write's WAL position: the client gets the highest of all fetches' tokens,
                       so one token covers every write of a mutation, whichever fetch made it
x-charter-read-source  which database answered the reads ("replica" or "primary"); several fetches
                       that read from different ones give "primary, replica"
"""

from __future__ import annotations

import re

CONSISTENCY = "x-charter-consistency"
READ_SOURCE = "x-charter-read-source"
PASSED_THROUGH = (CONSISTENCY, READ_SOURCE)

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def lsn_value(token: str) -> int | None:
    """A PostgreSQL LSN 'X/Y' as one comparable integer (None if it is not one)."""
    m = _LSN.match(token.strip())
    return (int(m.group(1), 16) << 32) | int(m.group(2), 16) if m else None


def highest_token(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    va, vb = lsn_value(a), lsn_value(b)
    if va is None:
        return b
    if vb is None:
        return a
    return b if vb > va else a


class FetchMeta:
    __slots__ = ("consistency", "deadline", "read_sources")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # loop.time() by which the whole request must be answered
        self.consistency: str | None = None
        self.read_sources: list[str] = []

    def record(self, consistency: str | None, read_source: str | None) -> None:
        if consistency:
            self.consistency = highest_token(self.consistency, consistency)
        if read_source and read_source not in self.read_sources:
            self.read_sources.append(read_source)

    def response_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        out: list[tuple[bytes, bytes]] = []
        if self.consistency:
            out.append((CONSISTENCY.encode(), self.consistency.encode("latin-1")))
        if self.read_sources:
            out.append((READ_SOURCE.encode(), ", ".join(sorted(self.read_sources)).encode("latin-1")))
        return tuple(out)
