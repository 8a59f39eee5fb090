"""Read a supergraph SDL from a file or an http(s) URL."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from gateway.supergraph.join import SupergraphError


def read_source(location: str, timeout: float = 10.0) -> str:
    """The supergraph SDL from a path or an http(s) URL."""
    if location.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(location, timeout=timeout) as resp:
                return resp.read().decode()
        except OSError as e:
            raise SupergraphError(f"cannot fetch supergraph from {location}: {e}") from e
    try:
        return Path(location).read_text()
    except OSError as e:
        raise SupergraphError(f"cannot read supergraph {location}: {e}") from e
