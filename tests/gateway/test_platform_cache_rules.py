"""The platform's entity-cache rules (`infra/entity-cache.yaml`) against the subgraphs' SDL: a
write's `sets` must list every field its subgraph can change, or an entry holding a field left
out would survive the write."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, build_ast_schema, parse

from gateway.cache.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def _own_fields(subgraph: str, type_name: str) -> set[str]:
    """The fields a subgraph's SDL defines on a type, less its key (`id`)."""
    sdl = (ROOT / "schema" / f"{subgraph}.graphql").read_text()
    schema = build_ast_schema(parse(sdl), assume_valid_sdl=True)
    t = schema.get_type(type_name)
    assert isinstance(t, GraphQLObjectType)
    return {f"{type_name}.{name}" for name in t.fields if name != "id"}


def test_each_write_sets_every_field_its_subgraph_owns() -> None:
    config = load_config(ROOT / "infra" / "entity-cache.yaml")
    projects = _own_fields("projects", "Project")
    metrics = _own_fields("metrics", "Project")
    assert "Project.name" in projects and metrics == {"Project.metrics"}
    assert config.mutations["updateProject"].sets == projects
    assert config.mutations["recordMetrics"].sets == metrics
    by_subject = {e.subject: e for e in config.events}
    assert by_subject["covenant.project.*.*"].sets == projects
    assert by_subject["covenant.metric.*.*"].sets == metrics
