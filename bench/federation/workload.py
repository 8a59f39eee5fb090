"""The public federation workload: where its files live and how to read them.

The scenario (supergraph, query, payload, expected answer, subgraph data) lives in the repo in
`bench/federation/scenario/` (see its README for where each file comes from); `BENCH_WORKLOAD` or
`--workload` point at another copy. Its supergraph is composed by our own composition from the SDL
of the four benchmark subgraphs (`python -m bench.federation.workload` rewrites it).
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
DEFAULT_DIR = Path(__file__).resolve().parent / "scenario"
FILES = ("supergraph.graphql", "query.graphql", "payload.json", "expected.json", "data.json")
# The address the committed supergraph routes to; runs rewrite the port.
SUBGRAPHS_ADDRESS = "127.0.0.1:4200"
# Subgraph URLs in the supergraph: `http://127.0.0.1:4200/<name>`; the port is rewritten.
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


def compose_supergraph(base_url: str = f"http://{SUBGRAPHS_ADDRESS}") -> str:
    """The supergraph of the four benchmark subgraphs, composed by our composition."""
    from gateway.composition.compose import compose
    from gateway.composition.types import SubgraphInput

    from .subgraphs import SDLS

    result = compose([SubgraphInput(name, f"{base_url}/{name}", sdl) for name, sdl in SDLS.items()])
    if result.supergraph_sdl is None:
        raise RuntimeError("; ".join(f"{e.code}: {e.message}" for e in result.errors))
    return result.supergraph_sdl


def main() -> int:
    """Rewrite the scenario's derived files: the composed supergraph and the POST payload."""
    target = DEFAULT_DIR / "supergraph.graphql"
    target.write_text(compose_supergraph())
    query = (DEFAULT_DIR / "query.graphql").read_text()
    (DEFAULT_DIR / "payload.json").write_bytes(orjson.dumps({"query": query}))
    print(f"wrote {target} and {DEFAULT_DIR / 'payload.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
