"""The outbox benchmark runs end to end (a short, slow run: no timing is asserted here; the figures
come from `python -m bench.outbox`, see bench/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_outbox_bench_measures_every_event() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.outbox", "--rate", "40", "--seconds", "1", "--target-p99-ms", "100000"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "events 40," in result.stdout and "p99" in result.stdout, result.stdout
