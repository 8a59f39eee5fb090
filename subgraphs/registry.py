"""The three subgraphs by name: their Strawberry schemas, imported only when asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import strawberry

SUBGRAPHS = ("nations", "projects", "metrics")


def schema_of(name: str) -> strawberry.federation.Schema:
    if name not in SUBGRAPHS:
        raise ValueError(f"unknown subgraph {name!r}; one of {', '.join(SUBGRAPHS)}")
    return importlib.import_module(f"subgraphs.{name}.schema").schema


def sdl_of(name: str) -> str:
    """The subgraph's SDL as `_service { sdl }` reports it (what composition consumes)."""
    return schema_of(name).as_str()


def startup_of(name: str) -> Callable[..., Any] | None:
    """The subgraph's optional startup hook, `async on_startup(db, settings)` in its schema module:
    work worth doing once before the first request. It must not fail the startup."""
    if name not in SUBGRAPHS:
        return None
    return getattr(importlib.import_module(f"subgraphs.{name}.schema"), "on_startup", None)
