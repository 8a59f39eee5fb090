"""Fixtures for the benchmark harness tests: the four subgraphs, served for real on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `bench` is a top-level package of the repo but not an installed one (pyproject lists the
# shipped packages only): make the checkout importable for these tests.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.federation.runner import start_subgraphs  # noqa: E402
from bench.federation.workload import Workload  # noqa: E402
from infra.processes import ProcessRegistry  # noqa: E402


@pytest.fixture(scope="session")
def workload() -> Workload:
    try:
        return Workload.locate()
    except FileNotFoundError as error:
        pytest.skip(f"the shared federation workload is absent: {error}")


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessRegistry]:
    processes = ProcessRegistry(tmp_path_factory.mktemp("bench-logs"))
    yield processes
    processes.close()


@pytest.fixture(scope="session")
def subgraphs_url(registry: ProcessRegistry, workload: Workload) -> str:
    """Base URL of the four subgraphs (paths /accounts, /inventory, /products, /reviews)."""
    _started, base = start_subgraphs(registry, workload)
    return base
