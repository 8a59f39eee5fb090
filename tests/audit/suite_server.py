"""One HTTP server hosting every audit suite's subgraphs at `/<suite>/<subgraph>`.

It reuses the corpus runtime (`harness.subgraph_server`: validation, `_service`, `_entities`,
request recording) over the suites in `tests/audit/suites`, with a schema builder that also
reads Federation 1 SDL. `POST /_requests/reset` calls each suite's `reset()` (mutation state).

Run: python tests/audit/suite_server.py --port N
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response

if __package__ in (None, ""):  # run as a script: make `harness` and `tests.audit` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "federation"))

from harness.resolvers import Subgraph
from harness.subgraph_server import HostedSubgraph, build_app, run_graphql

from tests.audit.subgraph_schema import build_audit_subgraph_schema
from tests.audit.suites import resolver_module, subgraph_sdls, suite_names


def load_subgraphs() -> dict[tuple[str, str], HostedSubgraph]:
    hosted: dict[tuple[str, str], HostedSubgraph] = {}
    for suite in suite_names():
        specs: dict[str, Subgraph] = resolver_module(suite).SUBGRAPHS
        for name, sdl in subgraph_sdls(suite).items():
            hosted[(suite, name)] = HostedSubgraph(
                suite, name, sdl, build_audit_subgraph_schema(sdl), specs.get(name, Subgraph())
            )
    return hosted


async def respond(target: HostedSubgraph, body: Any) -> Response:
    return JSONResponse(await run_graphql(target, body))


def reset_suites() -> None:
    for suite in suite_names():
        reset = getattr(resolver_module(suite), "reset", None)
        if reset is not None:
            reset()


def create_app() -> Starlette:
    return build_app(load_subgraphs(), respond, reset_suites)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
