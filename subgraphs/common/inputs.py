"""Refusals that hold for every argument of every subgraph, before any resolver runs.

Text with NUL or other control characters (PostgreSQL cannot store NUL; the rest is never
legitimate in names, codes, ids or cursors) is refused with BAD_USER_INPUT, whether it comes in a
variable or a literal. Errors graphql-core raises for values that do not coerce (a malformed
DateTime, a non-finite Float, an Int out of range) get the code BAD_USER_INPUT too, instead of none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cachetools import LRUCache
from graphql import DocumentNode, ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from subgraphs.common.errors import BAD_USER_INPUT, user_error

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and CR are text
_COERCION = ("got invalid value", "Expected value of type", "cannot represent", "Expected type")


def _bad_text(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if depth > 32:
        return False  # graphql-core's own depth limits refuse such input anyway
    if isinstance(value, dict):
        return any(_bad_text(v, depth + 1) or _bad_text(k, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v, depth + 1) for v in value)
    return False


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.bad = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if _CONTROL.search(node.value):
            self.bad = True
            return Visitor.BREAK
        return None


def _bad_literals(document: DocumentNode | None) -> bool:
    if document is None:
        return False
    literals = _Literals()
    visit(document, literals)
    return literals.bad


# What the subgraphs keep per operation text (here, and the parser and validation caches of
# subgraphs.common.extensions): so many texts, each at most so long.
DOCUMENTS_CACHED = 256
MAX_CACHED_TEXT = 8 * 1024

# Whether a document's literals hold control characters, by its text: the same few operation
# texts arrive over and over, and the answer depends on the text alone.
_LITERALS_CHECKED: LRUCache[str, bool] = LRUCache(maxsize=DOCUMENTS_CACHED)


def _bad_literals_of(query: str | None, document: DocumentNode | None) -> bool:
    if query is None or len(query) > MAX_CACHED_TEXT:
        return _bad_literals(document)
    bad = _LITERALS_CHECKED.get(query)
    if bad is None:
        bad = _LITERALS_CHECKED[query] = _bad_literals(document)
    return bad


def _code_coercion_errors(errors: list[GraphQLError] | None) -> None:
    for e in errors or ():
        if (e.extensions or {}).get("code"):
            continue
        if e.path is None and any(marker in e.message for marker in _COERCION):
            e.extensions = {**(e.extensions or {}), "code": BAD_USER_INPUT}


class InputGuard(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        yield
        _code_coercion_errors(self.execution_context.pre_execution_errors)

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if _bad_text(ctx.variables) or _bad_literals_of(ctx.query, ctx.graphql_document):
            ctx.result = ExecutionResult(
                data=None,
                errors=[user_error("invalid input: text must not contain NUL or other control characters")],
            )
        yield
        if ctx.result is not None:
            _code_coercion_errors(ctx.result.errors)
