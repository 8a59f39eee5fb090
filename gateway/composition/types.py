"""The values the composition API exchanges with its callers. Imports nothing from the package."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubgraphInput:
    """One subgraph to compose: its name, the URL the gateway will route to, and its SDL."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class CompositionError:
    """A composition failure: Apollo's error code where one exists, and where it happened."""

    code: str
    message: str
    subgraph: str | None = None
    coordinate: str | None = None

    def __str__(self) -> str:
        where = f" [{self.subgraph}]" if self.subgraph else ""
        coord = f" {self.coordinate}" if self.coordinate else ""
        return f"{self.code}{where}{coord}: {self.message}"


@dataclass
class CompositionResult:
    """The supergraph SDL, or the errors that prevented composing it (never both)."""

    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors
