"""One module per `charter` subcommand.

Each module exposes `register(parser: argparse.ArgumentParser) -> None` to declare its arguments and
`run(args: argparse.Namespace) -> int` to execute. Modules are imported lazily so that
`charter gateway` never pays for (or depends on) the subgraph stack, and vice versa.
"""
