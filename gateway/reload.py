"""Hot reload: watch the supergraph file and swap in each new version that loads.

A version that fails to load is logged and rejected; the old one keeps serving. The swap is one
assignment, so requests in flight finish on the schema they started with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from gateway.config import GatewayConfig
from gateway.pipeline import Gateway
from gateway.state import build_state
from gateway.supergraph.join import SupergraphError
from gateway.supergraph.loader import read_source

log = logging.getLogger("charter.gateway.reload")


REPLAN_HOTTEST = 100

Outcome = Callable[[str], None]  # told "ok" or "error" after each reload attempt that mattered


def reload_once(gateway: Gateway, config: GatewayConfig, sdl: str | None = None) -> str:
    """Load the supergraph again: "ok" (a new schema serves), "unchanged", or "error"."""
    try:
        text = sdl if sdl is not None else read_source(config.supergraph)
        if text == gateway.state.supergraph.sdl:
            return "unchanged"
        state = build_state(text, config.limits, plan_cache_size=config.plan_cache_size)
    except SupergraphError as e:
        log.error("supergraph rejected; still serving schema %s: %s", gateway.state.id, e)
        return "error"
    except Exception as e:  # never let a bad file take the gateway down
        log.exception("supergraph rejected; still serving schema %s: %s", gateway.state.id, e)
        return "error"
    # The hottest operations are planned for the new schema before it serves: no cold start.
    primed = gateway.prime(state, gateway.hottest_origins(gateway.state, REPLAN_HOTTEST))
    old = gateway.state.id
    gateway.swap(state)
    if primed:
        log.info("re-planned the %d hottest operations before the swap", primed)
    log.info("supergraph reloaded: schema %s -> %s", old, state.id)
    return "ok"


def compose_from_config(path: str) -> str:
    """Compose the subgraphs a Rover `supergraph.yaml` names (introspecting `subgraph_url`s)."""
    from gateway.composition import compose, load_config

    try:
        result = compose(load_config(path))
    except SupergraphError:
        raise
    except Exception as e:  # unreachable subgraph, unreadable file, bad YAML
        raise SupergraphError(f"cannot compose {path}: {e}") from e
    if result.supergraph_sdl is None:
        details = "; ".join(
            f"{e.code} [{e.subgraph or '-'}] {e.coordinate or ''}: {e.message}" for e in result.errors
        )
        raise SupergraphError(f"composition failed: {details}")
    return result.supergraph_sdl


async def poll_subgraphs(gateway: Gateway, config: GatewayConfig, interval: float, outcome: Outcome) -> None:
    """Recompose from the subgraphs' live SDL every `interval` seconds; swap when it changes."""
    last_error = ""
    while True:
        await asyncio.sleep(interval)
        try:
            sdl = await asyncio.to_thread(compose_from_config, config.subgraphs)
        except SupergraphError as e:
            if str(e) != last_error:  # one line per new problem, not one per poll
                log.error("recomposition failed; still serving schema %s: %s", gateway.state.id, e)
                outcome("error")
            last_error = str(e)
            continue
        last_error = ""
        result = await asyncio.to_thread(reload_once, gateway, config, sdl)
        if result != "unchanged":
            outcome(result)


async def watch_file(gateway: Gateway, config: GatewayConfig, outcome: Outcome) -> None:
    from watchfiles import awatch

    path = Path(config.supergraph).resolve()
    # Watch the directory, not the file: editors and `mv` replace the file, which a file watch
    # would lose. Not recursively: a supergraph in /tmp or a home directory would otherwise put a
    # watch on every directory below it (seconds before the gateway is ready, and the inotify
    # watch limit).
    async for changes in awatch(
        path.parent, watch_filter=lambda _change, p: Path(p).name == path.name, recursive=False,
        debounce=200, step=50,
    ):
        if not any(Path(p).resolve() == path for _, p in changes):
            continue
        result = await asyncio.to_thread(reload_once, gateway, config)
        if result != "unchanged":
            outcome(result)
