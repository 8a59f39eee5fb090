"""The gateways under test: ours, and the npm peers used as oracles.

Ours is started per scenario (`charter gateway --supergraph FILE ...`), serving `/graphql`; a pool
keeps one live instance and swaps it when a test asks for another scenario. The peers (Apollo, Hive)
each run as ONE node process serving every scenario's supergraph at `/<scenario>/graphql`: starting
a node gateway per scenario costs seconds each, which the whole corpus cannot afford.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Iterable
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
    """The `hive-gateway` CLI on one supergraph (the corpus uses the multi-scenario script)."""
    path, port = _write_supergraph(supergraph), free_port()
    argv = [str(NODE_MODULES / ".bin" / "hive-gateway"), "supergraph", str(path), "--port", str(port),
            "--host", "127.0.0.1"]
    return start_server("hive-gateway", argv, port, "/healthcheck", None, [path])


STARTERS: dict[str, Callable[[str], Server]] = {
    "ours": start_ours,
    "apollo": start_apollo,
    "hive": start_hive,
}
PEER_SCRIPTS = {"apollo": "apollo_gateway.mjs", "hive": "hive_gateway.mjs"}


class PeerGateway:
    """One node process serving all scenarios: `for_scenario(s).url + "/graphql"` is s's endpoint."""

    def __init__(self, kind: str, supergraphs: Iterable[tuple[str, str]]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{kind}-supergraphs-"))
        for scenario, text in supergraphs:
            (self.folder / f"{scenario}.graphql").write_text(text)
        port = free_port()
        argv = ["node", str(TOOLS / PEER_SCRIPTS[kind]), str(self.folder), str(port)]
        env = {"SUBGRAPH_TIMEOUT_MS": str(SUBGRAPH_TIMEOUT_MS)}
        self.server = start_server(f"{kind}-gateway", argv, port, "/health", env)

    def for_scenario(self, scenario: str) -> Server:
        # A view of the shared process; only `stop()` on the PeerGateway itself ends it.
        return dataclasses.replace(self.server, url=f"{self.server.url}/{scenario}", files=[])

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


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
