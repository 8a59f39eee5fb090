"""The gateways under test and how to launch each on a loopback port.

Peers come from `tools/node/node_modules` (npm, never vendored); ours is the `charter gateway`
command. Each spec says how to start it, where it answers GraphQL and how to tell it is ready.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .workload import REPO_ROOT

NODE_DIR = REPO_ROOT / "tools" / "node"
NODE_MODULES = NODE_DIR / "node_modules"
PEERS_DIR = REPO_ROOT / "bench" / "peers"


@dataclass(frozen=True)
class LaunchOptions:
    charter_workers: int | None = None  # None: the gateway's own default
    hive_fork: int = 1  # Hive Gateway workers; one process like Apollo's


@dataclass(frozen=True)
class GatewaySpec:
    name: str
    ours: bool
    dedup: bool
    graphql_path: str
    health_path: str | None  # GET -> 200 when ready; None: POST `{ __typename }` until 200

    def label(self) -> str:
        if self.name == "apollo":
            return f"Apollo Gateway {_npm_version('@apollo/gateway')} (one process)"
        if self.name.startswith("hive"):
            state = "on" if self.dedup else "off"
            return f"Hive Gateway {_npm_version('@graphql-hive/gateway')}, inbound dedup {state}"
        return f"Charter gateway, dedup {'on' if self.dedup else 'off'}"

    def command(self, supergraph: Path, port: int, options: LaunchOptions) -> list[str]:
        if self.name == "apollo":
            return [_node(), str(PEERS_DIR / "apollo.mjs"), str(supergraph), str(port)]
        if self.name in ("hive", "hive-dedup"):
            config = PEERS_DIR / ("hive-dedup.config.mjs" if self.dedup else "hive.config.mjs")
            return [
                _node(),
                str(NODE_MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"),
                "supergraph",
                str(supergraph),
                "--config-path",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--fork",
                str(options.hive_fork),
            ]
        command = [
            *_charter(),
            "gateway",
            "--supergraph",
            str(supergraph),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        if not self.dedup:
            command.append("--no-dedup")
        if options.charter_workers is not None:
            command += ["--workers", str(options.charter_workers)]
        return command

    def needs_node(self) -> bool:
        return not self.ours

    def env(self) -> dict[str, str]:
        # Peers run as deployed: Node libraries switch off dev-only work in production mode.
        return {} if self.ours else {"NODE_ENV": "production"}


GATEWAYS: dict[str, GatewaySpec] = {
    spec.name: spec
    for spec in (
        GatewaySpec("apollo", ours=False, dedup=False, graphql_path="/", health_path=None),
        GatewaySpec(
            "hive", ours=False, dedup=False, graphql_path="/graphql", health_path="/healthcheck"
        ),
        GatewaySpec(
            "hive-dedup",
            ours=False,
            dedup=True,
            graphql_path="/graphql",
            health_path="/healthcheck",
        ),
        GatewaySpec(
            "charter", ours=True, dedup=False, graphql_path="/graphql", health_path="/health"
        ),
        GatewaySpec(
            "charter-dedup", ours=True, dedup=True, graphql_path="/graphql", health_path="/health"
        ),
    )
}


def _node() -> str:
    return shutil.which("node") or "/usr/bin/node"


def _charter() -> list[str]:
    venv_script = REPO_ROOT / ".venv" / "bin" / "charter"
    if venv_script.exists():
        return [str(venv_script)]
    found = shutil.which("charter")
    return [found] if found else [sys.executable, "-m", "charter.cli"]


def _npm_version(package: str) -> str:
    try:
        manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
    except (OSError, ValueError):
        return "?"
    return str(manifest.get("version", "?"))


def node_ready() -> bool:
    return shutil.which("node") is not None and (NODE_MODULES / ".package-lock.json").exists()
