"""Rover's `supergraph.yaml`: `subgraphs: NAME: {routing_url, schema: {file | subgraph_url}}`.

`schema.file` is read relative to the YAML file; `schema.subgraph_url` is introspected with the
federation query `{ _service { sdl } }` (a subgraph's own SDL, with its federation directives).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from .types import SubgraphInput

SERVICE_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"


class ConfigError(ValueError):
    """The config file is missing, malformed, or names a schema we cannot read."""


def introspect(url: str, timeout: float = 10.0, headers: dict[str, str] | None = None) -> str:
    body = json.dumps({"query": SERVICE_QUERY}).encode()
    request = urllib.request.Request(
        url,
        body,
        {"content-type": "application/json", "accept": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ConfigError(f"cannot introspect {url}: {e}") from e
    sdl = ((payload or {}).get("data") or {}).get("_service", {}) or {}
    if not isinstance(sdl.get("sdl"), str):
        errors = (payload or {}).get("errors")
        raise ConfigError(f"{url} returned no _service.sdl" + (f": {errors}" if errors else ""))
    return sdl["sdl"]


def load_config(path: str | Path) -> list[SubgraphInput]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("subgraphs"), dict):
        raise ConfigError(f"{path}: expected a top-level `subgraphs:` mapping")
    out = []
    for name, entry in data["subgraphs"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("schema"), dict):
            raise ConfigError(f"{path}: subgraph {name!r} needs a `schema:` mapping")
        schema = entry["schema"]
        routing_url = entry.get("routing_url") or schema.get("subgraph_url")
        if "file" in schema:
            file = (path.parent / str(schema["file"])).resolve()
            try:
                sdl = file.read_text()
            except OSError as e:
                raise ConfigError(f"{path}: subgraph {name!r}: cannot read {file}: {e}") from e
        elif "subgraph_url" in schema:
            sdl = introspect(
                str(schema["subgraph_url"]), headers=schema.get("introspection_headers")
            )
        else:
            raise ConfigError(f"{path}: subgraph {name!r}: `schema` needs `file` or `subgraph_url`")
        if not routing_url:
            raise ConfigError(f"{path}: subgraph {name!r} needs a `routing_url`")
        out.append(SubgraphInput(str(name), str(routing_url), sdl))
    return out
