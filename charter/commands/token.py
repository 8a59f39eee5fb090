"""`charter token`: print a development token signed with the key of a `charter up` stack.

Use it as `Authorization: Bearer <token>` (in GraphiQL's headers tab, curl, a client) to run the
mutations, which need a scope: `projects:write` for projects, `metrics:write` for metrics.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope", action="append", default=[],
        help="scope to grant (repeatable, or space/comma separated), e.g. projects:write",
    )
    parser.add_argument("--subject", default="developer", help="the token's `sub` (default developer)")
    parser.add_argument("--ttl", default="1h", help="lifetime: 90, 45s, 30m, 1h, 2d (default 1h)")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/charter-up"), help="the stack's data dir")


def run(args: argparse.Namespace) -> int:
    from infra.devkey import mint, parse_ttl

    scopes = [s for raw in args.scope for s in raw.replace(",", " ").split()]
    try:
        ttl = parse_ttl(args.ttl)
        token = mint(args.data_dir, scopes, subject=args.subject, ttl=ttl)
    except (ValueError, FileNotFoundError) as e:
        print(f"charter token: {e}", file=sys.stderr)
        return 2
    print(token)
    return 0
