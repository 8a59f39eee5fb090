"""The public federation workload: where its files live and how to read them.

The scenario (supergraph, query, payload, expected answer, subgraph data) is shared public data kept
outside the repo in `../shared/bench/federation/`; `BENCH_WORKLOAD` or `--workload` point elsewhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "bench" / "federation"
FILES = ("supergraph.graphql", "query.graphql", "payload.json", "expected.json", "data.json")
# Subgraph URLs in the shared supergraph: `http://127.0.0.1:4200/<name>`; the port is rewritten.
_SUBGRAPH_URL = re.compile(r"http://127\.0\.0\.1:\d+/(accounts|inventory|products|reviews)")


@dataclass(frozen=True)
class Workload:
    directory: Path

    @classmethod
    def locate(cls, directory: str | Path | None = None) -> Workload:
        chosen = Path(directory or os.environ.get("BENCH_WORKLOAD") or DEFAULT_DIR)
        missing = [name for name in FILES if not (chosen / name).is_file()]
        if missing:
            raise FileNotFoundError(f"workload {chosen} lacks {', '.join(missing)}")
        return cls(chosen.resolve())

    @property
    def payload_path(self) -> Path:
        return self.directory / "payload.json"

    @cached_property
    def payload(self) -> bytes:
        return self.payload_path.read_bytes()

    @cached_property
    def expected(self) -> Any:
        return orjson.loads((self.directory / "expected.json").read_bytes())

    @cached_property
    def data(self) -> dict[str, Any]:
        loaded = orjson.loads((self.directory / "data.json").read_bytes())
        assert isinstance(loaded, dict)
        return loaded

    def supergraph_for(self, subgraphs_base_url: str) -> str:
        """The supergraph SDL with every subgraph URL pointing at `subgraphs_base_url`."""
        text = (self.directory / "supergraph.graphql").read_text()
        base = subgraphs_base_url.rstrip("/")
        return _SUBGRAPH_URL.sub(lambda m: f"{base}/{m.group(1)}", text)
