"""The three subgraphs by name: their Strawberry schemas, imported only when asked for."""

from __future__ import annotations

import importlib

import strawberry

SUBGRAPHS = ("nations", "projects", "metrics")


def schema_of(name: str) -> strawberry.federation.Schema:
    if name not in SUBGRAPHS:
        raise ValueError(f"unknown subgraph {name!r}; one of {', '.join(SUBGRAPHS)}")
    return importlib.import_module(f"subgraphs.{name}.schema").schema


def sdl_of(name: str) -> str:
    """The subgraph's SDL as `_service { sdl }` reports it (what composition consumes)."""
    return schema_of(name).as_str()
