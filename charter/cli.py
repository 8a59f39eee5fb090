"""`charter` subcommand dispatcher.

Subcommands live in `charter.commands.<name>`; each is imported only when it is the one being run
(its `register` is cheap, but its module may pull heavy dependencies).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> one-line help. The module `charter.commands.<name>` provides register() and run().
COMMANDS: dict[str, str] = {
    "gateway": "serve a supergraph as a federated GraphQL API",
    "compose": "compose subgraph SDLs into a supergraph (Rover supergraph.yaml config)",
    "plan": "print the query plan of an operation against a supergraph",
    "subgraph": "run one platform subgraph (nations, projects, metrics) for a region",
    "seed": "seed the platform database (idempotent)",
    "up": "start the whole local multi-region stack",
    "token": "print a development token signed with the `charter up` stack's key",
    "status": "show every process of a running `charter up` (--json for scripts)",
    "events": "publish the outbox to NATS JetStream and run the event consumers",
}


def build_parser(selected: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="charter", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_text in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            importlib.import_module(f"charter.commands.{name}").register(sp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(selected if selected in COMMANDS else None)
    args = parser.parse_args(args_list)
    module = importlib.import_module(f"charter.commands.{args.command}")
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
