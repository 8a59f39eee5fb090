"""Collecting composition errors: every rule reports into one `ErrorSink` instead of raising."""

from __future__ import annotations

from .types import CompositionError


class ErrorSink:
    """Accumulates errors and hints in the order rules find them."""

    def __init__(self) -> None:
        self.errors: list[CompositionError] = []
        self.hints: list[str] = []

    def error(
        self, code: str, message: str, subgraph: str | None = None, coordinate: str | None = None
    ) -> None:
        # Apollo prefixes subgraph-local messages with "[subgraph] "; keep the message readable alone.
        if subgraph and not message.startswith("["):
            message = f"[{subgraph}] {message}"
        self.errors.append(CompositionError(code, message, subgraph, coordinate))

    def hint(self, code: str, message: str) -> None:
        self.hints.append(f"{code}: {message}")

    def __bool__(self) -> bool:
        return bool(self.errors)


class SubgraphParseError(Exception):
    """A subgraph SDL so broken that nothing further can be checked (syntax, bad @link)."""

    def __init__(self, error: CompositionError) -> None:
        super().__init__(str(error))
        self.error = error
