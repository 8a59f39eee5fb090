"""`python -m bench.fuzz`: a long fuzz run of what subgraphs answer (bench/README.md, "Fuzzing").

    .venv/bin/python -m bench.fuzz --minutes 10

Runs the property of tests/gateway/test_fuzz_subgraph_responses.py in batches until the time is
up, against one `charter gateway` process; between batches it samples the gateway's RSS. Reports
examples run, the statuses answered, the first failures (shrunk by hypothesis), and the RSS
curve; exits 1 on any failure, a dead gateway, or RSS growing past --rss-growth-mb.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, settings

from bench.fuzz.gateway import FuzzGateway
from bench.fuzz.responses import catalog_answers, check, pricing_answers
from bench.fuzz.subgraph import QUERY, Answer, FuzzSubgraphs

BATCH = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to fuzz (default 5)")
    parser.add_argument("--rss-growth-mb", type=float, default=80.0, help="RSS growth over the run that fails it")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    # SIGTERM (a CI timeout, `timeout`) unwinds like Ctrl-C: the gateway process is stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    statuses: Counter[str] = Counter()
    failures: list[str] = []
    examples = 0
    with tempfile.TemporaryDirectory(prefix="charter-fuzz-") as tmp, FuzzSubgraphs() as subgraphs:
        directory = Path(tmp)
        gateway = FuzzGateway(subgraphs.write_supergraph(directory / "supergraph.graphql"), directory / "gateway.log")
        try:
            # the gateway gives up on a subgraph after 5 s: an answer later than 15 s is a hang
            with httpx.Client(base_url=gateway.url, timeout=15) as client:

                def ask() -> dict[str, object]:
                    r = client.post("/graphql", json={"query": QUERY}, headers={"accept": "application/json"})
                    statuses[str(r.status_code)] += 1
                    sent = subgraphs.answers["/catalog"].body + subgraphs.answers["/pricing"].body
                    return check(r.status_code, r.headers.get("content-type", ""), r.text, sent)

                subgraphs.answers["/catalog"] = Answer(b'{"data": {"items": [{"__typename": "Item", "id": "1", "name": "n"}]}}')
                subgraphs.answers["/pricing"] = Answer(b'{"data": {"_entities": [{"__typename": "Item", "price": 1}]}}')
                for _ in range(50):
                    ask()
                rss = [(0.0, gateway.rss_mb())]

                # Hypothesis generates; failures are recorded as they come (no shrinking: a
                # time-bounded run reports every distinct failure it meets, with its inputs).
                @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
                          suppress_health_check=list(HealthCheck))
                @given(catalog=catalog_answers, pricing=pricing_answers)
                def one(catalog: Answer, pricing: Answer) -> None:
                    nonlocal examples
                    examples += 1
                    subgraphs.answers["/catalog"], subgraphs.answers["/pricing"] = catalog, pricing
                    began = time.monotonic()
                    try:
                        ask()
                    except Exception as e:  # any way the answer is wrong (or late) is a finding
                        failures.append(f"{e.__class__.__name__} after {time.monotonic() - began:.1f} s: {str(e)[:400]}"
                                        f"\n  catalog={catalog!r:.400}\n  pricing={pricing!r:.400}")
                        print(failures[-1], file=sys.stderr, flush=True)

                started = time.monotonic()
                deadline = started + args.minutes * 60
                while time.monotonic() < deadline and gateway.alive and len(failures) < 20:
                    one()
                    rss.append((round(time.monotonic() - started, 1), round(gateway.rss_mb(), 1)))
                    print(f"  {rss[-1][0]:.0f} s: {examples} examples, {len(failures)} failures, "
                          f"RSS {rss[-1][1]:.0f} MB", file=sys.stderr, flush=True)
                alive = gateway.alive
        finally:
            gateway.stop()
    growth = max(r for _, r in rss) - rss[0][1]
    summary = {
        "minutes": args.minutes, "examples": examples, "statuses": dict(statuses), "failures": len(failures),
        "gateway_alive": alive, "subgraph_requests": dict(subgraphs.hits),
        "rss_mb": {"after_warmup": rss[0][1], "peak": max(r for _, r in rss), "end": rss[-1][1], "growth": round(growth, 1)},
        "rss_samples": rss,
    }
    ok = not failures and alive and growth < args.rss_growth_mb
    print(json.dumps({k: v for k, v in summary.items() if k != "rss_samples"}, indent=2))
    for f in failures:
        print("---- failure\n" + f, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
