"""The schema extensions every subgraph runs, in order.

Parsing and validation are cached (Strawberry's ParserCache and ValidationCache): a gateway sends
the same few operation texts over and over, and validating each one again was a third of a
subgraph's CPU under load. The caches hold ASTs of client text, so they are bounded twice: by
entries, and by skipping texts over MAX_CACHED_TEXT (a gateway's subgraph operations are far
smaller), which only cost their usual parse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from subgraphs.common.context import RequestContext
from subgraphs.common.inputs import DOCUMENTS_CACHED, MAX_CACHED_TEXT, InputGuard
from subgraphs.common.masking import MaskUnexpectedErrors


def _cacheable(extension: SchemaExtension) -> bool:
    return len(extension.execution_context.query or "") <= MAX_CACHED_TEXT


class BoundedParserCache(ParserCache):
    def on_parse(self) -> Iterator[None]:
        if _cacheable(self):
            yield from super().on_parse()
        else:
            yield


class BoundedValidationCache(ValidationCache):
    def on_validate(self) -> Iterator[None]:
        if _cacheable(self):
            yield from super().on_validate()
        else:
            yield


class ConsistencyExtension(SchemaExtension):
    """Puts a write's consistency token in the response's `extensions.consistencyToken`, and the
    WAL position a read-only request's reads reflect in `extensions.readPosition` (the gateway's
    entity cache stamps entries with it: a client holding a newer token reads around them)."""

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        token = getattr(ctx, "consistency_token", None)
        if token:
            return {"consistencyToken": token}
        position = ctx.read_position() if isinstance(ctx, RequestContext) else None
        return {"readPosition": position} if position else {}


EXTENSIONS: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
    InputGuard,
    lambda: BoundedParserCache(maxsize=DOCUMENTS_CACHED),
    lambda: BoundedValidationCache(maxsize=DOCUMENTS_CACHED),
    ConsistencyExtension,
    MaskUnexpectedErrors,
]
