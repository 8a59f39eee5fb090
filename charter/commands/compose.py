"""`charter compose --config supergraph.yaml [-o OUT]`: compose subgraphs into a supergraph.

The config is Rover's `supergraph.yaml`. The supergraph goes to OUT (stdout without -o); each
composition error is printed to stderr as `CODE [subgraph] coordinate: message`, exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="Rover supergraph.yaml")
    parser.add_argument("-o", "--output", help="write the supergraph here (default: stdout)")
    parser.add_argument(
        "--hints", action="store_true", help="also print composition hints to stderr"
    )


def _error_line(code: str, subgraph: str | None, coordinate: str | None, message: str) -> str:
    where = f" [{subgraph}]" if subgraph else ""
    coord = f" {coordinate}" if coordinate else ""
    # The message repeats the subgraph as Apollo prints it; the line already says it.
    prefix = f"[{subgraph}] "
    if subgraph and message.startswith(prefix):
        message = message[len(prefix) :]
    return f"{code}{where}{coord}: {message}"


def run(args: argparse.Namespace) -> int:
    from gateway.composition import compose, load_config
    from gateway.composition.config import ConfigError

    try:
        subgraphs = load_config(args.config)
    except ConfigError as e:
        print(f"CONFIG_ERROR: {e}", file=sys.stderr)
        return 1
    result = compose(subgraphs)
    if args.hints:
        for hint in result.hints:
            print(f"hint: {hint}", file=sys.stderr)
    if result.supergraph_sdl is None:
        for err in result.errors:
            print(_error_line(err.code, err.subgraph, err.coordinate, err.message), file=sys.stderr)
        return 1
    if not args.output:
        sys.stdout.write(result.supergraph_sdl)
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write atomically: a gateway watching the file must never read half a supergraph.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(result.supergraph_sdl)
    os.replace(tmp, out)
    return 0
