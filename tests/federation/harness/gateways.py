"""The gateways under test: ours, and the npm peers used as oracles.

Each is started on a supergraph file on a free port and serves GraphQL at `/graphql`. A pool keeps
one live instance per kind and swaps it when a test asks for another scenario, so a scenario's cases
reuse one gateway without dozens of processes living at once.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness.processes import REPO_ROOT, Server, StartupError, free_port, start_server

NODE_MODULES = REPO_ROOT / "tools" / "node" / "node_modules"
TOOLS = Path(__file__).resolve().parent.parent / "tools"
# Subgraph timeout every gateway is configured with, so "slow subgraph" cases are comparable.
SUBGRAPH_TIMEOUT_MS = 2000
# Environment for our gateway: the per-subgraph timeout the slow cases rely on.
OUR_GATEWAY_ENV = {"CHARTER_SUBGRAPH_TIMEOUT_MS": str(SUBGRAPH_TIMEOUT_MS)}


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_MODULES / "@apollo" / "gateway").is_dir()


def hive_available() -> bool:
    return shutil.which("node") is not None and (NODE_MODULES / ".bin" / "hive-gateway").exists()


def _write_supergraph(text: str) -> Path:
    with tempfile.NamedTemporaryFile("w", prefix="supergraph-", suffix=".graphql", delete=False) as f:
        f.write(text)
        return Path(f.name)


def start_ours(supergraph: str) -> Server:
    path, port = _write_supergraph(supergraph), free_port()
    argv = [str(REPO_ROOT / ".venv/bin/charter"), "gateway", "--supergraph", str(path),
            "--host", "127.0.0.1", "--port", str(port)]
    return start_server("charter-gateway", argv, port, "/health", OUR_GATEWAY_ENV, [path])


def start_apollo(supergraph: str) -> Server:
    path, port = _write_supergraph(supergraph), free_port()
    argv = ["node", str(TOOLS / "apollo_gateway.mjs"), str(path), str(port)]
    env = {"SUBGRAPH_TIMEOUT_MS": str(SUBGRAPH_TIMEOUT_MS)}
    return start_server("apollo-gateway", argv, port, "/health", env, [path])


def start_hive(supergraph: str) -> Server:
    path, port = _write_supergraph(supergraph), free_port()
    argv = [str(NODE_MODULES / ".bin" / "hive-gateway"), "supergraph", str(path), "--port", str(port),
            "--host", "127.0.0.1"]
    return start_server("hive-gateway", argv, port, "/healthcheck", None, [path])


STARTERS: dict[str, Callable[[str], Server]] = {
    "ours": start_ours,
    "apollo": start_apollo,
    "hive": start_hive,
}


class GatewayPool:
    """At most one live gateway per kind; a failed start is remembered, not retried per case."""

    def __init__(self) -> None:
        self._live: dict[str, tuple[str, Server]] = {}
        self._failed: dict[tuple[str, str], str] = {}

    def get(self, kind: str, key: str, supergraph: str) -> Server:
        live = self._live.get(kind)
        if live is not None and live[0] == key and live[1].process.poll() is None:
            return live[1]
        if (kind, key) in self._failed:
            raise StartupError(self._failed[(kind, key)])
        if live is not None:
            live[1].stop()
            del self._live[kind]
        try:
            server = STARTERS[kind](supergraph)
        except StartupError as error:
            self._failed[(kind, key)] = str(error)
            raise
        self._live[kind] = (key, server)
        return server

    def close(self) -> None:
        for _, server in self._live.values():
            server.stop()
        self._live.clear()
