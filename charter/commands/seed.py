"""`charter seed`: create or migrate the platform schema and load the seed data (idempotent)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the primary (default: $DATABASE_URL)")


def run(args: argparse.Namespace) -> int:
    from subgraphs.seed.run import seed

    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set (or pass --database-url)", file=sys.stderr)
        return 2
    report = asyncio.run(seed(url))
    print(
        f"seeded: {report.nations} nations, {report.projects} projects "
        f"(+{report.projects_added}), {report.metric_points} metric points (+{report.points_added})"
    )
    return 0
