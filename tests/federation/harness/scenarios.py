"""The corpus on disk: scenarios, their subgraph SDLs, resolvers and query cases."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
# The host composition writes into the supergraph; the harness swaps it for the live server.
PLACEHOLDER_HOST = "http://subgraphs.invalid"
# Subgraphs that must be unreachable are composed under this host; it becomes a closed port.
DOWN_HOST = "http://down.invalid"


@dataclass(frozen=True)
class Case:
    scenario: str
    name: str
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.scenario}/{self.name}"

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            payload["variables"] = self.variables
        if self.operation_name is not None:
            payload["operationName"] = self.operation_name
        return payload


def scenario_names() -> list[str]:
    """Folders holding a `resolvers.py` (a scenario being written has none yet)."""
    return sorted(p.name for p in SCENARIOS_DIR.iterdir() if (p / "resolvers.py").is_file())


def subgraph_sdls(scenario: str) -> dict[str, str]:
    folder = SCENARIOS_DIR / scenario / "subgraphs"
    return {p.stem: p.read_text() for p in sorted(folder.glob("*.graphql"))}


@cache
def resolver_module(scenario: str) -> ModuleType:
    path = SCENARIOS_DIR / scenario / "resolvers.py"
    spec = importlib.util.spec_from_file_location(f"federation_scenario_{scenario}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def supergraph_path(scenario: str) -> Path:
    return SCENARIOS_DIR / scenario / "supergraph.graphql"


def live_supergraph(scenario: str, base_url: str, down_url: str) -> str:
    """The checked-in supergraph with its placeholder URLs pointed at the running servers."""
    text = supergraph_path(scenario).read_text()
    text = text.replace(PLACEHOLDER_HOST, base_url.rstrip("/"))
    return text.replace(DOWN_HOST, down_url.rstrip("/"))


def _optional_text(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


def cases(scenario: str) -> list[Case]:
    folder = SCENARIOS_DIR / scenario
    found: list[Case] = []
    for query_file in sorted((folder / "queries").glob("*.graphql")):
        name = query_file.stem
        variables_text = _optional_text(query_file.with_suffix(".variables.json"))
        found.append(
            Case(
                scenario=scenario,
                name=name,
                query=query_file.read_text(),
                variables=json.loads(variables_text) if variables_text is not None else None,
                operation_name=_optional_text(query_file.with_suffix(".operation.txt")),
                expected=json.loads((folder / "expected" / f"{name}.json").read_text()),
            )
        )
    return found


def all_cases() -> list[Case]:
    return [case for name in scenario_names() for case in cases(name)]
