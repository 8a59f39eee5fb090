"""Relay-style paging: opaque offset cursors, `first`/`after` validation, a shareable PageInfo."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import strawberry
from strawberry.federation.schema_directives import ListSize

from subgraphs.common.errors import user_error

DEFAULT_PAGE = 20
MAX_PAGE = 100
# Past any list this API serves; keeps OFFSET far inside PostgreSQL's bigint.
MAX_OFFSET = 10_000_000
_PREFIX = "cursor:"


# Demand control reads a connection's size from `first` (else the default page) for its `edges`.
CONNECTION_SIZE = ListSize(
    assumed_size=DEFAULT_PAGE, slicing_arguments=["first"], sized_fields=["edges"], require_one_slicing_argument=False
)


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        if len(cursor) > 64:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        digits = raw[len(_PREFIX) :]
        if not digits.isascii() or not digits.isdigit():  # int() would take " 1", "1_0", "+1"
            raise ValueError(raw)
        offset = int(digits)
        if offset > MAX_OFFSET:
            raise ValueError(raw)
        return offset
    except (ValueError, UnicodeDecodeError):
        raise user_error(f"`after` is not a cursor this API issued: {cursor[:40]!r}") from None


@dataclass(frozen=True)
class Window:
    """Rows [offset, offset + limit) of a list."""

    offset: int
    limit: int

    def page_info(self, returned: int, total: int) -> PageInfo:
        return PageInfo(
            has_next_page=self.offset + returned < total,
            has_previous_page=self.offset > 0,
            start_cursor=encode_cursor(self.offset) if returned else None,
            end_cursor=encode_cursor(self.offset + returned - 1) if returned else None,
        )

    def cursor(self, index: int) -> str:
        return encode_cursor(self.offset + index)


def window(first: int | None, after: str | None) -> Window:
    if first is None:
        first = DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise user_error(f"`first` must be between 0 and {MAX_PAGE}, got {first}")
    offset = decode_cursor(after) + 1 if after else 0
    return Window(offset, first)
