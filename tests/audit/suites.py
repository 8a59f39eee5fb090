"""The audit suites on disk: `suites/<suite>/` in the layout of the federation corpus.

Each suite holds `subgraphs/<sub>.graphql`, `resolvers.py` (SUBGRAPHS, optional reset()),
`supergraph.graphql` (composed by `compose.mjs`), `queries/<case>.graphql` and
`expected/<case>.json`. An expected answer follows the audit's rule: `data` must be equal, and
`"errors": true|false`, when present, says whether the response must carry errors.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

SUITES_DIR = Path(__file__).resolve().parent / "suites"
# The host composition writes into each supergraph; tests swap it for the live suite server.
PLACEHOLDER_HOST = "http://subgraphs.invalid"


@dataclass(frozen=True)
class AuditCase:
    suite: str
    name: str
    query: str
    variables: dict[str, Any] | None
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            payload["variables"] = self.variables
        return payload


def suite_names() -> list[str]:
    """Folders holding a `resolvers.py` (a suite being written has none yet)."""
    return sorted(p.name for p in SUITES_DIR.iterdir() if (p / "resolvers.py").is_file())


def subgraph_sdls(suite: str) -> dict[str, str]:
    folder = SUITES_DIR / suite / "subgraphs"
    return {p.stem: p.read_text() for p in sorted(folder.glob("*.graphql"))}


@cache
def resolver_module(suite: str) -> ModuleType:
    path = SUITES_DIR / suite / "resolvers.py"
    name = "audit_suite_" + suite.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def live_supergraph(suite: str, base_url: str) -> str:
    """The checked-in supergraph with its placeholder URLs pointed at the running server."""
    text = (SUITES_DIR / suite / "supergraph.graphql").read_text()
    return text.replace(PLACEHOLDER_HOST, base_url.rstrip("/"))


def cases(suite: str) -> list[AuditCase]:
    folder = SUITES_DIR / suite
    found: list[AuditCase] = []
    for query_file in sorted((folder / "queries").glob("*.graphql")):
        variables_file = query_file.with_suffix(".variables.json")
        found.append(
            AuditCase(
                suite=suite,
                name=query_file.stem,
                query=query_file.read_text(),
                variables=json.loads(variables_file.read_text()) if variables_file.exists() else None,
                expected=json.loads((folder / "expected" / f"{query_file.stem}.json").read_text()),
            )
        )
    return found


def all_cases() -> list[AuditCase]:
    return [case for suite in suite_names() for case in cases(suite)]
