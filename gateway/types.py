"""Shared type names. Imports nothing from the package, so every module may import it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeAlias

JSON: TypeAlias = Any  # what orjson produces: dict | list | str | int | float | bool | None
JSONObject: TypeAlias = dict[str, Any]
# A response path: field response keys and list indices, as GraphQL errors carry them.
ResponsePath: TypeAlias = list[str | int]


class Transport(Protocol):
    """Sends one GraphQL request body to a subgraph and returns its parsed JSON response."""

    async def post(
        self,
        subgraph: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        dedupe: bool,
        meta: Any = None,  # gateway.transport.meta.FetchMeta: the deadline, passed-through headers
    ) -> JSONObject: ...
