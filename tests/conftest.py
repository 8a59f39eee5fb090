"""How `make test` shares the suite between its two pytest-xdist workers (`-n 2 --dist loadscope
--no-loadscope-reorder`: a "scope" here is one of the units below, handed out in this order).

- A test file is one unit: its module fixtures (a stack, a gateway, a peer) start once, on one
  worker.
- Files that start whole platforms (`charter up`, clusters, crash and chaos runs) are one unit
  together, so at most one such platform runs at a time. They measure detection times and p99s
  and must not compete with each other for the two cores.
- The files on the three-node Cassandra cluster are one unit: one cluster of three JVMs per run,
  not one per worker.
- The longest units are handed out first, so that no worker is left with a long file at the end
  while the other idles.
- The rule tests that need promtool come last: its cold build runs in the background during the
  rest of the run (see infra/promtool.py).

Without xdist (`pytest tests/x.py`), only the order changes.

The units are given to xdist by a scheduler of our own, not by `xdist_group` marks: with pytest
9.2, xdist 3.8's `--dist loadgroup` silently stops grouping (it renames node ids through a field
pytest no longer reads; pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent

# Files in a shared unit, by group name. The names are checked to exist (a file renamed away
# from here would silently run beside the others again).
SHARED_UNITS: dict[str, tuple[str, ...]] = {
    "platforms": (
        "bench/test_chaos.py",
        "platform/test_supervision.py",
        "platform/test_up.py",
        "platform/test_tracing_up.py",
        "events/test_up_events.py",
        "events/test_cluster.py",
        "events/test_crash.py",
    ),
    "cassandra": (
        "subgraphs/test_metrics.py",
        "subgraphs/test_metrics_cassandra.py",
        "platform/test_cassandra_setup.py",
    ),
}
# Other files that take tens of seconds: started first, after the shared units.
LONG_FILES: tuple[str, ...] = (
    "platform/test_read_your_writes.py",
    "federation/test_conformance.py",
    "audit/test_audit.py",
    "sync/test_watermelondb.py",
    "federation/test_differential.py",
    "gateway/test_auth.py",
    "federation/test_plan_json.py",
    "gateway/test_resilience.py",
    "gateway/test_subgraph_framing.py",
    "bench/test_bench_through_apollo.py",
)

# Files handed out after every other: they wait for something built in the background.
LAST_FILES: tuple[str, ...] = ("platform/test_observability.py",)

_GROUP_OF = {path: group for group, paths in SHARED_UNITS.items() for path in paths}
_RANK = {group: i for i, group in enumerate(SHARED_UNITS)} | {
    path: len(SHARED_UNITS) + i for i, path in enumerate(LONG_FILES)
}
_UNRANKED = len(_RANK)
_RANK |= {path: _UNRANKED + 1 + i for i, path in enumerate(LAST_FILES)}
_missing = [p for p in [*_GROUP_OF, *LONG_FILES, *LAST_FILES] if not (TESTS / p).is_file()]
if _missing:
    raise RuntimeError(f"tests/conftest.py names test files that do not exist: {_missing}")


def _unit(path: Path) -> str:
    """The unit a test file belongs to: its shared unit's name, or the file itself."""
    relative = path.resolve().relative_to(TESTS).as_posix()
    return _GROUP_OF.get(relative, relative)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture parameters: stable
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Stable: within a unit, tests keep their order (module fixtures and the gateway pools rely
    # on files running as written).
    items.sort(key=lambda item: _RANK.get(_unit(item.path), _UNRANKED))


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest without xdist never calls it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(root / nodeid.split("::", 1)[0])

    return UnitScheduling(config, log)
