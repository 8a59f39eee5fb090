"""schema/ holds what the subgraphs really serve, and it composes with our composer and Apollo's."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from graphql import build_ast_schema, parse

from subgraphs.registry import SUBGRAPHS, sdl_of
from subgraphs.supergraph import SCHEMA_DIR, write_schema_dir

ROOT = Path(__file__).resolve().parents[2]


REGENERATE = "regenerate with python -c 'from subgraphs.supergraph import write_schema_dir; write_schema_dir()'"


def _fields(sdl: str) -> set[str]:
    """Type.field coordinates: what the supergraph offers, whatever the composer's formatting."""
    schema = build_ast_schema(parse(sdl), assume_valid=True)
    return {
        f"{name}.{field}"
        for name, t in schema.type_map.items()
        if not name.startswith("__") and hasattr(t, "fields")
        for field in t.fields
    }


def test_schema_dir_is_up_to_date() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="charter-schema-"))
    try:
        for path in write_schema_dir(tmp):
            committed = SCHEMA_DIR / path.name
            if path.name == "supergraph.graphql":
                # The composer's output format may change; what it composes must not.
                assert _fields(committed.read_text()) == _fields(path.read_text()), f"{committed} is stale: {REGENERATE}"
            else:
                assert committed.read_text() == path.read_text(), f"{committed} is stale: {REGENERATE}"
    finally:
        shutil.rmtree(tmp)


def test_supergraph_routes_every_subgraph() -> None:
    supergraph = (SCHEMA_DIR / "supergraph.graphql").read_text()
    for name in SUBGRAPHS:
        assert f'@join__graph(name: "{name}"' in supergraph
        assert sdl_of(name).strip()
    assert "@provides" in (SCHEMA_DIR / "projects.graphql").read_text()


@pytest.mark.node
@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "tools/node/node_modules/@apollo/composition").exists(),
    reason="needs node and tools/node",
)
def test_apollo_composition_accepts_the_subgraphs() -> None:
    result = subprocess.run(
        ["node", str(SCHEMA_DIR / "compose.mjs"), str(SCHEMA_DIR / "supergraph.yaml")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in SUBGRAPHS:
        assert name.upper() in result.stdout
