"""Composing the platform's subgraphs into a supergraph, and the files kept in `schema/`.

Composition is the gateway's Python composer (`gateway.composition`); the subgraphs may import
the gateway, never the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from subgraphs.registry import COMPOSED, SDL_ONLY, SUBGRAPHS, sdl_of

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
# The port layout `charter up` uses by default: region i, subgraph j -> base + 10*i + j + 1.
DEFAULT_BASE_PORT = 4100


def default_urls(region_index: int = 0, base_port: int = DEFAULT_BASE_PORT) -> dict[str, str]:
    return {
        name: f"http://127.0.0.1:{base_port + 10 * region_index + j + 1}/graphql"
        for j, name in enumerate(SUBGRAPHS)
    }


def compose_supergraph(urls: Mapping[str, str]) -> str:
    from gateway.composition import SubgraphInput, compose

    urls = {**{name: url for name, (_, url) in SDL_ONLY.items()}, **urls}
    result = compose([SubgraphInput(name, urls[name], sdl_of(name)) for name in COMPOSED])
    if not result.ok or result.supergraph_sdl is None:
        problems = "\n".join(f"  {e.code} [{e.subgraph}] {e.message}" for e in result.errors)
        raise RuntimeError(f"the platform's subgraphs do not compose:\n{problems}")
    return result.supergraph_sdl


def rover_config(urls: Mapping[str, str]) -> str:
    """Rover's supergraph.yaml for these subgraphs (usable with `charter compose --config`)."""
    urls = {**{name: url for name, (_, url) in SDL_ONLY.items()}, **urls}
    doc = {
        "federation_version": "=2.5.0",
        "subgraphs": {
            name: {"routing_url": urls[name], "schema": {"file": f"./{name}.graphql"}} for name in COMPOSED
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)


def write_schema_dir(target: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate schema/: one SDL per subgraph, supergraph.yaml and supergraph.graphql."""
    urls = default_urls()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in COMPOSED:
        path = target / f"{name}.graphql"
        path.write_text(sdl_of(name) + "\n", encoding="utf-8")
        written.append(path)
    (target / "supergraph.yaml").write_text(rover_config(urls), encoding="utf-8")
    (target / "supergraph.graphql").write_text(compose_supergraph(urls), encoding="utf-8")
    return [*written, target / "supergraph.yaml", target / "supergraph.graphql"]
