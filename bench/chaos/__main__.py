"""`python -m bench.chaos`: the chaos benchmark (bench/README.md, "Chaos benchmark").

    .venv/bin/python -m bench.chaos                       # all five faults, ~4 minutes
    .venv/bin/python -m bench.chaos --faults freeze-subgraph --freeze-seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

from bench.chaos.faults import FAULTS
from bench.chaos.run import Chaos, Options, passed, table

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, in order (default: {','.join(FAULTS)})")
    parser.add_argument("--data-dir", type=Path, default=None, help="charter up's data dir (default: a fresh temp dir)")
    parser.add_argument("--port", type=int, default=None, help="the gateway's port (default: a free one)")
    parser.add_argument("--hold-seconds", type=float, default=10.0, help="how long each kill fault is watched")
    parser.add_argument("--freeze-seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--rate", type=float, default=30.0, help="requests per second in all (bounded load)")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown faults {unknown}; choose from {', '.join(FAULTS)}")
    opts = Options(faults, args.data_dir, args.port, args.hold_seconds, args.freeze_seconds,
                   workers=args.workers, rate=args.rate)
    started = time.time()
    results = asyncio.run(Chaos(opts).run())
    header = (
        f"Chaos benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}: charter up --regions ams,sin, "
        f"load {args.workers} clients at {args.rate:g} req/s through the ams gateway, kills watched "
        f"{args.hold_seconds:g} s, freeze {args.freeze_seconds:g} s, {platform.machine()} "
        f"({len(__import__('os').sched_getaffinity(0))} CPUs)"
    )
    print(header)
    print(table(results))
    ok = passed(results)
    print(f"targets: {'PASS' if ok else 'FAIL'}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"chaos-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(started))}.json"
    out.write_text(json.dumps({"header": header, "results": [asdict(r) for r in results], "passed": ok}, indent=2))
    print(f"written to {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
