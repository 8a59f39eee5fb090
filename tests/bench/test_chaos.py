"""The chaos benchmark's five faults, shorter: one `charter up --regions ams,sin` under bounded
load through the ams gateway; a subgraph killed, frozen, its replica killed, every ams subgraph
killed, the primary restarted. Each must meet the benchmark's targets: no wrong answer, failures
only before detection (none in fact), detection within 2 s, recovery, and during the freeze a p99
under 1.5 s."""

from __future__ import annotations

from bench.chaos.faults import FAULTS
from bench.chaos.run import Chaos, Options, table


async def test_every_fault_meets_the_targets() -> None:
    opts = Options(list(FAULTS), hold_s=4.0, freeze_s=5.0, steady_s=1.5, workers=4, rate=20.0, recover_within=90)
    results = await Chaos(opts, say=lambda _: None).run()
    assert [r.key for r in results] == list(FAULTS)
    for r in results:
        # There was load during the fault. Not a throughput target: 4 closed-loop workers on a
        # loaded two-core machine (p50 470 ms seen) send ~16 in a 4 s hold; the verdicts are the targets.
        assert r.sent >= 10, r
        verdicts = r.verdicts(frozen=r.key == "freeze-subgraph")
        assert all(verdicts.values()), f"{r.title}: {verdicts}\n{table(results)}"
