"""`python -m bench.federation.subgraphs --port 4200`: serve the four benchmark subgraphs."""

from __future__ import annotations

import argparse

import uvicorn

from ..workload import Workload
from .server import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.federation.subgraphs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4200)
    parser.add_argument("--workload", help="directory of the shared federation workload")
    args = parser.parse_args(argv)
    app = create_app(Workload.locate(args.workload))
    # httptools + uvloop, no access log, no lifespan: the cheapest uvicorn can be.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
